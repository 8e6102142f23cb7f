package dockyard.datakit.store;

import org.eclipse.jgit.lib.FileMode;

/** What a git tree entry is, with the letter DataKit's {@code tree.live} prints for it. */
public enum EntryKind {
    DIRECTORY('D', FileMode.TREE), FILE('F', FileMode.REGULAR_FILE), EXECUTABLE('X', FileMode.EXECUTABLE_FILE),
    SYMLINK('L', FileMode.SYMLINK);

    public final char letter;
    public final FileMode mode;

    EntryKind(char letter, FileMode mode) {
        this.letter = letter;
        this.mode = mode;
    }

    public static EntryKind of(FileMode mode) {
        if (mode == FileMode.TREE) return DIRECTORY;
        if (mode == FileMode.EXECUTABLE_FILE) return EXECUTABLE;
        if (mode == FileMode.SYMLINK) return SYMLINK;
        if (mode == FileMode.GITLINK) return FILE; // submodules are shown as opaque files
        return FILE;
    }

    public static EntryKind ofLetter(char c) {
        for (EntryKind k : values()) if (k.letter == c) return k;
        return null;
    }
}
