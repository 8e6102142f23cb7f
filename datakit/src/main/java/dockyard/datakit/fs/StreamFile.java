package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live file ({@code *.live}, {@code reflog}, a remote's {@code head}): reads past what was
 * produced block until the next line exists, and the stream never ends. A blocked read gives up
 * when its thread is interrupted, which is how the server answers a Tflush.
 */
final class StreamFile extends FileNode {
    /** The lines of one open stream; {@link #next()} blocks until the next one. */
    interface Cursor {
        String next() throws P9Error, InterruptedException;
    }

    @FunctionalInterface interface CursorFactory { Cursor open() throws P9Error; }

    private final CursorFactory factory;

    StreamFile(Ctx ctx, String name, String key, CursorFactory factory) {
        super(ctx, name, key);
        this.factory = factory;
    }

    @Override int perm() { return 0444; }

    /** Any open mode is accepted, as by the original; writes are refused. */
    @Override public OpenFile open(int mode) throws P9Error {
        return new Open(factory.open());
    }

    /** Keeps what was produced so that a re-read of the same offset sees the same bytes. */
    private static final class Open implements OpenFile {
        private static final int KEEP = 64 * 1024;
        private final Cursor cursor;
        private final ReentrantLock lock = new ReentrantLock();
        private byte[] buf = new byte[256];
        private int len;       // bytes in buf
        private long base;     // stream offset of buf[0]
        /** End of the last short read: the next read there returns 0 bytes (see {@link #read}). */
        private long emptyAt = -1;

        Open(Cursor cursor) { this.cursor = cursor; }

        @Override public int write(long offset, ByteBuffer data) throws P9Error { throw Errors.readOnlyFile(); }

        @Override public ByteBuffer read(long offset, int count) throws P9Error, InterruptedException {
            lock.lockInterruptibly();
            try {
                if (offset < base) throw P9Error.invalid("stream offset " + offset + " was already consumed");
                // Linux v9fs (cache=none) turns one read(2) into Treads until the buffer is full or a
                // Tread returns 0 bytes; so the read right after a short one gets 0 bytes and read(2)
                // returns what the stream had. A read at that offset again is a new read(2): it blocks.
                if (offset == emptyAt) {
                    emptyAt = -1;
                    return ByteBuffer.allocate(0);
                }
                while (offset >= base + len) append((cursor.next() + "\n").getBytes(StandardCharsets.UTF_8));
                int from = (int) (offset - base);
                int n = Math.min(count, len - from);
                emptyAt = n < count ? offset + n : -1;
                ByteBuffer out = ByteBuffer.wrap(Arrays.copyOfRange(buf, from, from + n));
                trim(offset + n);
                return out;
            } finally {
                lock.unlock();
            }
        }

        private void append(byte[] line) {
            if (len + line.length > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + line.length));
            System.arraycopy(line, 0, buf, len, line.length);
            len += line.length;
        }

        /** Readers move forward; drop what lies well behind the last read so memory stays bounded. */
        private void trim(long consumed) {
            int drop = (int) (consumed - base) - KEEP;
            if (drop <= 0) return;
            System.arraycopy(buf, drop, buf, 0, len - drop);
            len -= drop;
            base += drop;
        }
    }
}
