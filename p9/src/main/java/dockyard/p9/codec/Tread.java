package dockyard.p9.codec;

/** Reads up to {@code count} (unsigned) bytes at {@code offset}. */
public record Tread(int tag, int fid, long offset, int count) implements Request {
    public Tread {
        Message.checkTag(tag);
    }
}
