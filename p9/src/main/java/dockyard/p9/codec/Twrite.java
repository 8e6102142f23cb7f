package dockyard.p9.codec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Writes {@code data} at {@code offset}. Like {@link Rread}, the buffer is kept without copying and
 * {@link #data()} hands out an independent view each time.
 */
public record Twrite(int tag, int fid, long offset, ByteBuffer data) implements Request {
    public Twrite {
        Message.checkTag(tag);
        data = Objects.requireNonNull(data, "data").slice();
    }

    public static Twrite of(int tag, int fid, long offset, byte[] bytes) {
        return new Twrite(tag, fid, offset, ByteBuffer.wrap(bytes));
    }

    /** A view of the data positioned at its start; consuming it does not affect the message. */
    @Override public ByteBuffer data() { return data.duplicate(); }

    public int count() { return data.remaining(); }

    @Override public String toString() {
        return "Twrite[tag=" + tag + ", fid=" + fid + ", offset=" + offset + ", count=" + count() + "]";
    }
}
