package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian input. Every read first checks that the bytes exist, so a malformed
 * frame surfaces as a {@link ProtocolException} naming the message and field, never as an
 * unchecked buffer exception.
 */
final class WireReader {
    private final ByteBuffer buf;
    private final String context;

    WireReader(ByteBuffer buf, String context) {
        this.buf = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.context = context;
    }

    int remaining() { return buf.remaining(); }

    int u8(String field) throws ProtocolException {
        need(1, field);
        return buf.get() & 0xFF;
    }

    int u16(String field) throws ProtocolException {
        need(2, field);
        return buf.getShort() & 0xFFFF;
    }

    int u32(String field) throws ProtocolException {
        need(4, field);
        return buf.getInt();
    }

    long u64(String field) throws ProtocolException {
        need(8, field);
        return buf.getLong();
    }

    /**
     * A 9P string. Invalid UTF-8 is decoded with replacement characters rather than rejected: Unix
     * clients send file names as raw bytes, and refusing them would tear down the whole connection.
     */
    String string(String field) throws ProtocolException {
        int n = u16(field + " length");
        if (n > buf.remaining())
            throw new ProtocolException(context + ": " + field + " length " + n + " runs past the end of the frame ("
                    + buf.remaining() + " bytes left)");
        byte[] b = new byte[n];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    Qid qid(String field) throws ProtocolException {
        need(13, field);
        return new Qid(buf.get(), buf.getInt(), buf.getLong());
    }

    /** The next {@code n} bytes as a view sharing this reader's memory. */
    ByteBuffer bytes(long n, String field) throws ProtocolException {
        if (n < 0 || n > buf.remaining())
            throw new ProtocolException(context + ": " + field + " of " + n + " bytes runs past the end of the frame ("
                    + buf.remaining() + " bytes left)");
        ByteBuffer view = buf.slice(buf.position(), (int) n);
        buf.position(buf.position() + (int) n);
        return view;
    }

    /** A reader over the next {@code n} bytes, which this reader skips. */
    WireReader sub(int n, String field) throws ProtocolException {
        return new WireReader(bytes(n, field), context);
    }

    void expectEnd() throws ProtocolException {
        if (buf.hasRemaining())
            throw new ProtocolException(context + ": " + buf.remaining() + " unexpected trailing bytes");
    }

    ProtocolException error(String problem) { return new ProtocolException(context + ": " + problem); }

    private void need(int n, String field) throws ProtocolException {
        if (buf.remaining() < n)
            throw new ProtocolException(context + ": truncated " + field + " (needs " + n + " bytes, "
                    + buf.remaining() + " left)");
    }
}
