package dockyard.p9.server;

import dockyard.p9.P9Error;
import dockyard.p9.codec.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fids of one session. Once {@link #closeAll() closed} it accepts no new state, so a request
 * that opens a file while the session ends learns it must close that file itself instead of
 * leaking it into a table nobody will clean.
 */
final class FidTable {
    private final Map<Integer, FidEntry> fids = new HashMap<>();
    private boolean closed;

    synchronized FidEntry get(int fid) throws P9Error {
        FidEntry e = fids.get(fid);
        if (e == null) throw unknown(fid);
        return e;
    }

    /** Fails early when {@code fid} cannot be added, before a request does any work for it. */
    synchronized void checkUnused(int fid) throws P9Error {
        if (fid == Message.NOFID) throw new P9Error(P9Error.EBADF, "NOFID cannot name a file");
        if (fids.containsKey(fid)) throw new P9Error(P9Error.EBADF, "fid " + fid + " is already in use");
        if (closed) throw sessionEnded();
    }

    synchronized void add(int fid, FidEntry e) throws P9Error {
        checkUnused(fid);
        fids.put(fid, e);
    }

    /** Replaces {@code expected} by {@code next}; false if the fid changed or was clunked meanwhile. */
    synchronized boolean replace(int fid, FidEntry expected, FidEntry next) {
        if (closed || fids.get(fid) != expected) return false;
        fids.put(fid, next);
        return true;
    }

    synchronized FidEntry remove(int fid) throws P9Error {
        FidEntry e = fids.remove(fid);
        if (e == null) throw unknown(fid);
        return e;
    }

    /** Empties and closes the table, returning what was in it for the caller to release. */
    synchronized List<FidEntry> closeAll() {
        closed = true;
        List<FidEntry> all = new ArrayList<>(fids.values());
        fids.clear();
        return all;
    }

    private static P9Error unknown(int fid) { return new P9Error(P9Error.EBADF, "unknown fid " + fid); }

    static P9Error sessionEnded() { return new P9Error(P9Error.EBADF, "session ended"); }
}
