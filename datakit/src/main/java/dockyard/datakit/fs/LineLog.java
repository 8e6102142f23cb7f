package dockyard.datakit.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** An append-only list of lines that stream readers follow (a remote's fetched heads). */
final class LineLog {
    private static final int KEEP = 1024;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grew = lock.newCondition();
    private final List<String> lines = new ArrayList<>();
    private long dropped;

    void append(String line) {
        lock.lock();
        try {
            lines.add(line);
            if (lines.size() > KEEP) {
                lines.removeFirst();
                dropped++;
            }
            grew.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Index of the newest line (so a new reader starts with the last known value), or of the next one if none. */
    long lastIndex() {
        lock.lock();
        try {
            return dropped + Math.max(0, lines.size() - 1);
        } finally {
            lock.unlock();
        }
    }

    /** The line at absolute index {@code i}, waiting for it to exist. */
    String await(long i) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (i >= dropped + lines.size()) grew.await();
            return lines.get((int) Math.max(0, i - dropped));
        } finally {
            lock.unlock();
        }
    }
}
