package dockyard.p9.codec;

import java.util.Objects;

/** Creates {@code name} in the directory {@code fid}; {@code extension} exists only in 9P2000.u. */
public record Tcreate(int tag, int fid, String name, int perm, int mode, String extension) implements Request {
    public Tcreate {
        Message.checkTag(tag);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(extension, "extension");
        if (mode < 0 || mode > 0xFF) throw new IllegalArgumentException("open mode does not fit in a byte: " + mode);
    }
}
