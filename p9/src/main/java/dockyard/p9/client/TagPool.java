package dockyard.p9.client;

import dockyard.p9.codec.Message;

import java.io.InterruptedIOException;
import java.util.BitSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tags of one connection: 0 to 0xFFFE (NOTAG is reserved for Tversion). Allocation rotates
 * rather than reusing the lowest free tag, so a late answer to a reused tag is unlikely to be
 * mistaken for the new request's. When all are taken, callers wait.
 */
final class TagPool {
    private static final int SIZE = Message.NOTAG;

    private final BitSet used = new BitSet(SIZE);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private int next;

    int acquire() throws InterruptedIOException {
        lock.lock();
        try {
            while (used.cardinality() == SIZE) freed.await();
            int tag = used.nextClearBit(next);
            if (tag >= SIZE) tag = used.nextClearBit(0);
            used.set(tag);
            next = (tag + 1) % SIZE;
            return tag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a free tag");
        } finally {
            lock.unlock();
        }
    }

    void release(int tag) {
        lock.lock();
        try {
            used.clear(tag);
            freed.signal();
        } finally {
            lock.unlock();
        }
    }
}
