package dockyard.p9.codec;

/** Opens {@code fid} for I/O; {@code mode} is the one-byte mode of {@link dockyard.p9.OpenMode}. */
public record Topen(int tag, int fid, int mode) implements Request {
    public Topen {
        Message.checkTag(tag);
        if (mode < 0 || mode > 0xFF) throw new IllegalArgumentException("open mode does not fit in a byte: " + mode);
    }
}
