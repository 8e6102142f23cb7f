package dockyard.p9.client;

import dockyard.p9.codec.Message;

import java.util.HashSet;
import java.util.Set;

/**
 * Fid numbers of one connection. Numbers count up and are reused only after wrapping around the
 * 32-bit space, and only once released: a fid whose fate is unknown (its walk was flushed) is
 * simply never released, which is cheaper than finding out.
 */
final class FidPool {
    private final Set<Integer> inUse = new HashSet<>();
    private int next;

    synchronized int acquire() {
        while (true) {
            int fid = next++;
            if (fid != Message.NOFID && inUse.add(fid)) return fid;
        }
    }

    synchronized void release(int fid) { inUse.remove(fid); }
}
