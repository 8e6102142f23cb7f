package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Little-endian output for the fixed parts of a message. Bulk data (Rread/Twrite payloads) never
 * goes through here: the codec hands it to the channel as a separate buffer.
 */
final class WireWriter {
    private byte[] buf;
    private int len;

    WireWriter(int initialCapacity) { buf = new byte[Math.max(16, initialCapacity)]; }

    int length() { return len; }

    WireWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    WireWriter u16(int v) {
        ensure(2);
        buf[len++] = (byte) v;
        buf[len++] = (byte) (v >>> 8);
        return this;
    }

    WireWriter u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    WireWriter u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) buf[len++] = (byte) (v >>> (8 * i));
        return this;
    }

    /** A 9P string: length[2] then UTF-8 bytes. */
    WireWriter string(String s, String field) throws ProtocolException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) throw new ProtocolException(field + " is " + b.length + " bytes; 9P strings hold at most 65535");
        u16(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    WireWriter qid(Qid q) {
        return u8(q.type()).u32(q.version()).u64(q.path());
    }

    /** Overwrites a u16 written earlier at {@code at} (for sizes known only after the fact). */
    void patchU16(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >>> 8);
    }

    void patchU32(int at, int v) {
        for (int i = 0; i < 4; i++) buf[at + i] = (byte) (v >>> (8 * i));
    }

    ByteBuffer toBuffer() { return ByteBuffer.wrap(buf, 0, len).slice().order(ByteOrder.LITTLE_ENDIAN); }

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
}
