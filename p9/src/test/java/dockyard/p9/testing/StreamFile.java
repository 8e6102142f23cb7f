package dockyard.p9.testing;

import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read-only stream: each read blocks until the test {@link #release releases} a chunk (or
 * {@link #end ends} the stream). Records interrupted reads, so tests can see that a flush reached
 * the node, and signals when a read starts blocking.
 */
public final class StreamFile extends MemNode {
    private static final byte[] END = new byte[0];

    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private final Semaphore readsWaiting = new Semaphore(0);
    private final AtomicInteger interrupted = new AtomicInteger();

    StreamFile(MemFs fs, String name, MemDir parent) { super(fs, name, parent); }

    @Override
    public Stat stat() { return Stat.of(new Qid(Qid.QTFILE, 0, path), name, 0444, 0, 0); }

    public void release(String text) { chunks.add(text.getBytes(StandardCharsets.UTF_8)); }

    public void end() { chunks.add(END); }

    /** Waits until a read is blocked in this file; true if one did within the timeout. */
    public boolean awaitBlockedRead(long millis) throws InterruptedException {
        return readsWaiting.tryAcquire(millis, TimeUnit.MILLISECONDS);
    }

    /** How many blocked reads were interrupted. */
    public int interruptedReads() { return interrupted.get(); }

    @Override
    public OpenFile open(int mode) throws P9Error {
        fs.openFiles.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return new OpenFile() {
            @Override
            public ByteBuffer read(long offset, int count) throws InterruptedException {
                readsWaiting.release();
                byte[] chunk;
                try {
                    chunk = chunks.take();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
                if (chunk == END) {
                    chunks.add(END); // every later read sees the end too
                    return ByteBuffer.allocate(0);
                }
                return ByteBuffer.wrap(chunk, 0, Math.min(count, chunk.length));
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) fs.openFiles.decrementAndGet();
            }
        };
    }
}
