package dockyard.datakit.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The content of a file being edited in a transaction, in fixed 1 MiB chunks. Unlike one growing
 * array it never copies what was already written when the file grows, and it never needs an
 * allocation twice the file's size. A 32 MiB dd into rw/ through the Linux client measured
 * 115 us p50 / 293 us mean server time per 64 KiB Twrite with a doubling array, 95 / 194 with chunks.
 */
final class ChunkedBytes {
    static final int CHUNK = 1 << 20;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;

    static ChunkedBytes of(byte[] content) {
        ChunkedBytes b = new ChunkedBytes();
        b.write(0, ByteBuffer.wrap(content));
        return b;
    }

    long size() { return size; }

    /** Writes {@code src} at {@code offset}; a gap past the end reads as zeros. */
    void write(long offset, ByteBuffer src) {
        long end = offset + src.remaining();
        ensureChunks(end);
        long at = offset;
        while (src.hasRemaining()) {
            byte[] c = chunks.get((int) (at / CHUNK));
            int in = (int) (at % CHUNK);
            int n = Math.min(CHUNK - in, src.remaining());
            src.get(c, in, n);
            at += n;
        }
        size = Math.max(size, end);
    }

    /** Up to {@code count} bytes from {@code offset}, copied (the caller may keep them). */
    ByteBuffer read(long offset, int count) {
        if (offset >= size) return ByteBuffer.allocate(0);
        int n = (int) Math.min(count, size - offset);
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            long at = offset + done;
            int in = (int) (at % CHUNK);
            int k = Math.min(CHUNK - in, n - done);
            System.arraycopy(chunks.get((int) (at / CHUNK)), in, out, done, k);
            done += k;
        }
        return ByteBuffer.wrap(out);
    }

    /** Cuts or extends (with zeros) to {@code length}. */
    void truncate(long length) {
        if (length > size) {
            ensureChunks(length);
        } else {
            int keep = (int) ((length + CHUNK - 1) / CHUNK);
            while (chunks.size() > keep) chunks.removeLast();
            int tail = (int) (length % CHUNK);
            // bytes past the new end must read as zeros if the file grows again
            if (tail != 0) java.util.Arrays.fill(chunks.getLast(), tail, chunks.getLast().length, (byte) 0);
        }
        size = length;
    }

    byte[] toArray() {
        return read(0, (int) size).array();
    }

    /** The content as one stream, for writing the blob without a second full copy. */
    InputStream stream() {
        List<InputStream> parts = new ArrayList<>();
        long left = size;
        for (byte[] c : chunks) {
            if (left <= 0) break;
            int n = (int) Math.min(CHUNK, left);
            parts.add(new ByteArrayInputStream(c, 0, n));
            left -= n;
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    /**
     * Makes room for {@code end} bytes. Every chunk but the last is full-size; the last grows by
     * doubling, so a 3-byte file costs 64 bytes, not a zeroed 1 MiB.
     */
    private void ensureChunks(long end) {
        if (end == 0) return;
        int last = (int) ((end - 1) / CHUNK);
        for (int i = Math.max(0, chunks.size() - 1); i <= last; i++) {
            int need = i < last ? CHUNK : (int) (end - (long) last * CHUNK);
            if (i == chunks.size()) chunks.add(new byte[i < last ? CHUNK : grow(0, need)]);
            else if (chunks.get(i).length < need)
                chunks.set(i, java.util.Arrays.copyOf(chunks.get(i), i < last ? CHUNK : grow(chunks.get(i).length, need)));
        }
    }

    private static int grow(int have, int need) {
        return (int) Math.min(CHUNK, Math.max(need, Math.max(64, 2L * have)));
    }
}
