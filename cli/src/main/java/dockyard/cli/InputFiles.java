package dockyard.cli;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of the files a verb reads, so that a missing one is reported with the flag that named it
 * and the role it plays ("hyperkit run --kernel: kernel image not found: bzImage") rather than as
 * a bare path from the JDK's NoSuchFileException.
 */
final class InputFiles {
    private InputFiles() {}

    /**
     * @param where the verb and flag or argument that named the file, e.g. "notary add FILE"
     * @param role  what the file is for, e.g. "target file for \"v1\""
     * @return {@code p}, an existing, readable regular file (or a device, pipe or socket: those read too)
     */
    static Path require(Path p, String where, String role) throws FileNotFoundException {
        String problem = null;
        if (!Files.exists(p)) problem = " not found: ";
        else if (Files.isDirectory(p)) problem = " is a directory, not a file: ";
        else if (!Files.isReadable(p)) problem = " is not readable: ";
        if (problem != null) throw new FileNotFoundException(where + ": " + role + problem + p);
        return p;
    }
}
