package dockyard.p9.server;

import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.codec.*;
import dockyard.p9.vfs.FileSystem;
import dockyard.p9.vfs.Node;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The file operations of one negotiated session (from a Tversion to the next one, or to the end of
 * the connection): it owns the fid table and turns each request into calls on {@link Node}s.
 * Tversion and Tflush concern the connection, not the files, and are handled by {@link Connection}.
 * Safe for concurrent requests.
 */
final class Session {
    private final FileSystem fs;
    private final Dialect dialect;
    private final int maxIo;
    private final System.Logger log;
    private final FidTable fids = new FidTable();

    Session(FileSystem fs, Dialect dialect, int msize, System.Logger log) {
        this.fs = fs;
        this.dialect = dialect;
        this.maxIo = Opened.maxIo(msize);
        this.log = log;
    }

    Response handle(Request r) throws P9Error, InterruptedException {
        return switch (r) {
            case Tauth _ -> throw new P9Error(P9Error.EOPNOTSUPP, "authentication not required");
            case Tattach a -> attach(a);
            case Twalk w -> walk(w);
            case Topen o -> open(o);
            case Tcreate c -> create(c);
            case Tread rd -> read(rd);
            case Twrite wr -> write(wr);
            case Tclunk c -> {
                release(fids.remove(c.fid()), true);
                yield new Rclunk(c.tag());
            }
            case Tremove rm -> remove(rm);
            case Tstat s -> new Rstat(s.tag(), fids.get(s.fid()).node().stat());
            case Twstat ws -> wstat(ws);
            case Tversion _, Tflush _ -> throw new IllegalStateException(r.type().displayName() + " belongs to the connection");
        };
    }

    /** Clunks every fid; the session accepts nothing afterwards. */
    void close() {
        for (FidEntry e : fids.closeAll()) release(e, true);
    }

    private Rattach attach(Tattach a) throws P9Error {
        if (a.afid() != Message.NOFID) throw new P9Error(P9Error.EINVAL, "authentication is not supported: afid must be NOFID");
        fids.checkUnused(a.fid());
        Node root = fs.attach(a.uname(), a.aname());
        Qid qid = root.stat().qid();
        fids.add(a.fid(), new FidEntry(NodePath.root(root)));
        return new Rattach(a.tag(), qid);
    }

    /**
     * Per walk(5): an error only if the first element fails; otherwise the qids of the elements that
     * worked, and newfid is bound only when all of them did. A filesystem that {@linkplain
     * FileSystem#walkFailsWhole fails walks whole} gets an error for any failing element.
     */
    private Rwalk walk(Twalk w) throws P9Error {
        FidEntry from = fids.get(w.fid());
        if (from.isOpen()) throw new P9Error(P9Error.EBADF, "cannot walk from fid " + w.fid() + ": it is open");
        if (w.newfid() != w.fid()) fids.checkUnused(w.newfid());
        NodePath at = from.path();
        List<Qid> qids = new ArrayList<>(w.names().size());
        for (String name : w.names()) {
            Qid qid;
            try {
                at = step(at, name);
                qid = at.node().stat().qid();
            } catch (P9Error e) {
                if (qids.isEmpty() || fs.walkFailsWhole()) throw e;
                return new Rwalk(w.tag(), qids);
            }
            qids.add(qid);
        }
        FidEntry walked = new FidEntry(at);
        if (w.newfid() == w.fid()) {
            if (!fids.replace(w.fid(), from, walked)) throw changedMeanwhile(w.fid());
        } else {
            fids.add(w.newfid(), walked);
        }
        return new Rwalk(w.tag(), qids);
    }

    private NodePath step(NodePath at, String name) throws P9Error {
        if (!isDirectory(at.node().stat())) throw fs.walkThroughFile();
        return switch (name) {
            case "." -> at;
            case ".." -> at.up();
            default -> at.child(at.node().walk(checkName(name)));
        };
    }

    private Ropen open(Topen o) throws P9Error {
        FidEntry e = fids.get(o.fid());
        if (e.isOpen()) throw new P9Error(P9Error.EBADF, "fid " + o.fid() + " is already open");
        Node node = e.node();
        Opened how = openNode(node, o.mode());
        return new Ropen(o.tag(), install(o.fid(), e, e.path(), how), how.iounit(maxIo));
    }

    private Rcreate create(Tcreate c) throws P9Error {
        FidEntry e = fids.get(c.fid());
        if (e.isOpen()) throw new P9Error(P9Error.EBADF, "fid " + c.fid() + " is open; create needs a directory fid");
        if (!isDirectory(e.node().stat())) throw P9Error.notDirectory();
        String name = checkName(c.name());
        if (name.equals(".") || name.equals("..")) throw P9Error.exists(name);
        // Refuse before creating: failing to open the new directory afterwards would leave it behind.
        if ((c.perm() & Stat.DMDIR) != 0 && (OpenMode.writes(c.mode()) || OpenMode.truncates(c.mode())))
            throw P9Error.isDirectory();
        Node child = e.node().create(name, c.perm(), c.mode(), c.extension());
        Opened how = openNode(child, c.mode());
        return new Rcreate(c.tag(), install(c.fid(), e, e.path().child(child), how), how.iounit(maxIo));
    }

    /**
     * Opens a node as create(5)/open(5) ask: files through {@link Node#open}; directories as a
     * listing (node.open is never called for them), which must not be written or truncated.
     */
    private Opened openNode(Node node, int mode) throws P9Error {
        if (isDirectory(node.stat())) {
            if (OpenMode.writes(mode) || OpenMode.truncates(mode)) throw P9Error.isDirectory();
            return new Opened.Directory(new DirectoryReader(node, dialect), mode);
        }
        return new Opened.File(node.open(mode), mode);
    }

    /** Makes {@code how} the fid's open state and returns the node's (post-open) qid. */
    private Qid install(int fid, FidEntry expected, NodePath at, Opened how) throws P9Error {
        boolean installed = false;
        try {
            Qid qid = at.node().stat().qid();
            installed = fids.replace(fid, expected, expected.open(at, how));
            if (!installed) throw changedMeanwhile(fid);
            return qid;
        } finally {
            if (!installed) closeQuietly(how);
        }
    }

    /** A read or write of an open file that promises not to block: cheap enough to run on the reader thread. */
    boolean runsInline(Request r) {
        int fid = switch (r) {
            case Tread rd -> rd.fid();
            case Twrite wr -> wr.fid();
            default -> -1;
        };
        if (fid == -1) return false;
        try {
            return fids.get(fid).opened() instanceof Opened.File f && !f.file().mayBlock();
        } catch (P9Error e) {
            return false; // let the ordinary path report the bad fid
        }
    }

    private Rread read(Tread rd) throws P9Error, InterruptedException {
        Opened how = fids.get(rd.fid()).opened();
        if (how == null || !OpenMode.reads(how.mode()))
            throw new P9Error(P9Error.EBADF, "fid " + rd.fid() + " is not open for reading");
        if (rd.offset() < 0) throw P9Error.invalid("offset beyond 2^63");
        int count = clip(rd.count(), how);
        ByteBuffer data = switch (how) {
            case Opened.Directory d -> d.reader().read(rd.offset(), count);
            case Opened.File f -> f.file().read(rd.offset(), count);
        };
        if (data == null) data = ByteBuffer.allocate(0);
        // A node that returns more than asked must not push the frame past msize.
        if (data.remaining() > count) data = data.slice(data.position(), count);
        return new Rread(rd.tag(), data);
    }

    private Rwrite write(Twrite wr) throws P9Error, InterruptedException {
        Opened how = fids.get(wr.fid()).opened();
        if (how instanceof Opened.Directory) throw P9Error.isDirectory();
        if (!(how instanceof Opened.File f) || !OpenMode.writes(how.mode()))
            throw new P9Error(P9Error.EBADF, "fid " + wr.fid() + " is not open for writing");
        if (wr.offset() < 0) throw P9Error.invalid("offset beyond 2^63");
        return new Rwrite(wr.tag(), f.file().write(wr.offset(), wr.data()));
    }

    /** The count a read may return: what was asked, at most one message's worth and the iounit. */
    private int clip(int requested, Opened how) {
        long limit = Math.min(Integer.toUnsignedLong(requested), maxIo);
        int unit = how.iounit(maxIo);
        return (int) (unit > 0 ? Math.min(limit, unit) : limit);
    }

    /** remove(5): the fid is clunked even when the removal fails. */
    private Rremove remove(Tremove rm) throws P9Error {
        FidEntry e = fids.remove(rm.fid());
        try {
            e.node().remove();
        } finally {
            release(e, false);
        }
        return new Rremove(rm.tag());
    }

    private Rwstat wstat(Twstat ws) throws P9Error {
        FidEntry e = fids.get(ws.fid());
        Stat change = ws.stat();
        if (change.changesName()) {
            String name = checkName(change.name());
            if (name.equals(".") || name.equals("..")) throw P9Error.invalid("cannot rename to " + name);
        }
        e.node().wstat(change);
        return new Rwstat(ws.tag());
    }

    /** Closes what a clunked fid had open and honours ORCLOSE. */
    private void release(FidEntry e, boolean honourRemoveOnClose) {
        Opened how = e.opened();
        if (how == null) return;
        closeQuietly(how);
        if (honourRemoveOnClose && (how.mode() & OpenMode.ORCLOSE) != 0) {
            try {
                e.node().remove();
            } catch (P9Error | RuntimeException ex) {
                log.log(Level.DEBUG, "remove-on-close failed: {0}", ex.getMessage());
            }
        }
    }

    private void closeQuietly(Opened how) {
        try {
            how.close();
        } catch (P9Error | RuntimeException ex) {
            // A clunk always succeeds; a file that fails to close has nothing more to tell the client.
            log.log(Level.DEBUG, "closing an open file failed: {0}", ex.toString());
        }
    }

    private static boolean isDirectory(Stat st) { return st.isDir() || st.qid().isDir(); }

    /** Names are single path elements: a slash would let a client reach past the node's own children. */
    private static String checkName(String name) throws P9Error {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0)
            throw P9Error.invalid("invalid file name '" + name + "'");
        return name;
    }

    private static P9Error changedMeanwhile(int fid) {
        return new P9Error(P9Error.EBADF, "fid " + fid + " was clunked or changed by a concurrent request");
    }
}
