package dockyard.p9.testing;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.FileSystem;
import dockyard.p9.vfs.Node;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small in-memory tree for tests: directories, files and blocking stream files. Counts open files
 * so tests can check that the server closes everything it opened.
 */
public final class MemFs implements FileSystem {
    private final AtomicLong nextPath = new AtomicLong(1);
    final AtomicInteger openFiles = new AtomicInteger();
    private final MemDir root = new MemDir(this, "/", null);

    @Override
    public Node attach(String uname, String aname) throws P9Error {
        if (!aname.isEmpty() && !aname.equals("/")) throw P9Error.noSuchFile(aname);
        return root;
    }

    public MemDir root() { return root; }

    /** Files currently open (opened and not yet closed by the server). */
    public int openFiles() { return openFiles.get(); }

    long newPath() { return nextPath.getAndIncrement(); }

    /** Creates the directory at {@code path} and any missing parents. */
    public MemDir mkdirs(String path) {
        MemDir dir = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            dir = dir.child(part) instanceof MemDir d ? d : dir.add(new MemDir(this, part, dir));
        }
        return dir;
    }

    public MemFile file(String path, String content) {
        MemDir dir = mkdirs(parentOf(path));
        MemFile f = dir.add(new MemFile(this, nameOf(path), dir));
        f.setContent(content.getBytes(StandardCharsets.UTF_8));
        return f;
    }

    public StreamFile stream(String path) {
        MemDir dir = mkdirs(parentOf(path));
        return dir.add(new StreamFile(this, nameOf(path), dir));
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static String nameOf(String path) { return path.substring(path.lastIndexOf('/') + 1); }
}
