package dockyard.p9.codec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The bytes read; empty at end of file. The buffer is kept without copying (a decoded Rread shares the
 * frame's memory), so {@link #data()} hands out an independent view each time.
 */
public record Rread(int tag, ByteBuffer data) implements Response {
    public Rread {
        Message.checkTag(tag);
        data = Objects.requireNonNull(data, "data").slice();
    }

    public static Rread of(int tag, byte[] bytes) { return new Rread(tag, ByteBuffer.wrap(bytes)); }

    /** A view of the data positioned at its start; consuming it does not affect the message. */
    @Override public ByteBuffer data() { return data.duplicate(); }

    public int count() { return data.remaining(); }

    @Override public String toString() { return "Rread[tag=" + tag + ", count=" + count() + "]"; }
}
