package dockyard.p9.testing;

import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/** A regular file holding its bytes in memory; the qid version counts changes. */
public final class MemFile extends MemNode {
    private byte[] data = new byte[0];
    private int version;

    MemFile(MemFs fs, String name, MemDir parent) { super(fs, name, parent); }

    @Override
    public synchronized Stat stat() {
        return Stat.of(new Qid(Qid.QTFILE, version, path), name, 0644, data.length, 0);
    }

    public synchronized String content() { return new String(data, StandardCharsets.UTF_8); }

    synchronized void setContent(byte[] bytes) {
        data = bytes.clone();
        version++;
    }

    @Override
    synchronized void truncate(long length) throws P9Error {
        if (length > Integer.MAX_VALUE) throw new P9Error(P9Error.EFBIG, "too large");
        data = Arrays.copyOf(data, (int) length);
        version++;
    }

    @Override
    public OpenFile open(int mode) throws P9Error {
        if (OpenMode.truncates(mode)) truncate(0);
        fs.openFiles.incrementAndGet();
        boolean append = (mode & OpenMode.OAPPEND) != 0;
        AtomicBoolean closed = new AtomicBoolean();
        return new OpenFile() {
            @Override
            public ByteBuffer read(long offset, int count) {
                synchronized (MemFile.this) {
                    if (offset >= data.length) return ByteBuffer.allocate(0);
                    int n = (int) Math.min(count, data.length - offset);
                    return ByteBuffer.wrap(Arrays.copyOfRange(data, (int) offset, (int) offset + n));
                }
            }

            @Override
            public int write(long offset, ByteBuffer in) throws P9Error {
                synchronized (MemFile.this) {
                    long at = append ? data.length : offset;
                    long end = at + in.remaining();
                    if (end > Integer.MAX_VALUE) throw new P9Error(P9Error.EFBIG, "too large");
                    if (end > data.length) data = Arrays.copyOf(data, (int) end);
                    int n = in.remaining();
                    in.get(data, (int) at, n);
                    version++;
                    return n;
                }
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) fs.openFiles.decrementAndGet();
            }
        };
    }
}
