package dockyard.datakit.store;

import org.eclipse.jgit.lib.ObjectId;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ordered log of branch head changes that live files ({@code head.live}, {@code reflog},
 * {@code tree.live}) wait on. Each change gets a sequence number; readers remember the last number
 * they saw and block until a newer one exists. Only the most recent changes are kept: a reader that
 * falls further behind than that skips ahead, which is what DataKit's streams promise anyway.
 */
public final class HeadEvents {
    /** One head change; {@code head} is null when the branch was deleted. */
    public record Change(long seq, String branch, ObjectId head) {}

    private static final int KEEP = 4096;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Change> recent = new ArrayDeque<>();
    private long seq;

    void publish(String branch, ObjectId head) {
        lock.lock();
        try {
            recent.addLast(new Change(++seq, branch, head == null ? null : head.copy()));
            if (recent.size() > KEEP) recent.removeFirst();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number of the newest change (0 before any). */
    public long latest() {
        lock.lock();
        try {
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a change newer than {@code after} exists; returns the newest sequence number. */
    public long awaitAfter(long after) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (seq <= after) changed.await();
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #awaitAfter(long)} but gives up after {@code millis}, returning the current number. */
    public long awaitAfter(long after, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lockInterruptibly();
        try {
            while (seq <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                changed.awaitNanos(left);
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /** The changes with a number greater than {@code after}, oldest first. */
    public List<Change> since(long after) {
        lock.lock();
        try {
            List<Change> out = new ArrayList<>();
            for (Change c : recent) if (c.seq() > after) out.add(c);
            return out;
        } finally {
            lock.unlock();
        }
    }
}
