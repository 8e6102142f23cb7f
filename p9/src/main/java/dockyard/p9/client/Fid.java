package dockyard.p9.client;

import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.codec.*;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fid of a {@link P9Client}: a handle on one file of the server. Obtained by walking from the
 * root (or another fid); {@link #close()} clunks it. Safe to use from several threads (concurrent
 * reads at different offsets are fine; walking or opening the same fid concurrently is not).
 */
public final class Fid implements AutoCloseable {
    private final P9Client client;
    private final int id;
    private volatile Qid qid;
    private volatile int iounit;
    private volatile boolean open;
    private final AtomicBoolean clunked = new AtomicBoolean();
    /** The attach root lives as long as the client; try-with-resources on it must not clunk it. */
    private final boolean pinned;

    Fid(P9Client client, int id, Qid qid) { this(client, id, qid, false); }

    Fid(P9Client client, int id, Qid qid, boolean pinned) {
        this.client = client;
        this.id = id;
        this.qid = qid;
        this.pinned = pinned;
    }

    public int id() { return id; }

    /** The qid of the file this fid is on (updated by open and create). */
    public Qid qid() { return qid; }

    public boolean isOpen() { return open; }

    /** The server's iounit from open/create; 0 if it gave none or the fid is not open. */
    public int iounit() { return iounit; }

    /** The most bytes one {@link #read} or {@link #write} moves. */
    public int maxIo() {
        int unit = client.msize() - Codec.IOHDRSZ;
        return iounit > 0 ? Math.min(iounit, unit) : unit;
    }

    /**
     * A new fid for the file reached by walking {@code names} from this one ("." and ".." included);
     * no names clones this fid. Walks of more than 16 elements are sent as several Twalks.
     *
     * @throws RemoteException if any element does not exist (errno ENOENT when the server gave no error itself)
     */
    public Fid walk(List<String> names) throws IOException {
        int newfid = client.fids().acquire();
        boolean bound = false;
        Qid last = qid;
        try {
            int from = id;
            int done = 0;
            do {
                List<String> chunk = names.subList(done, Math.min(done + Message.MAXWELEM, names.size()));
                int src = from;
                Rwalk r = Responses.expect(client.mux().rpc(tag -> new Twalk(tag, src, newfid, chunk)), Rwalk.class);
                if (r.qids().size() < chunk.size())
                    throw new RemoteException("no such file or directory: " + String.join("/", names.subList(0, done + r.qids().size() + 1)),
                            P9Error.ENOENT);
                bound = true;
                from = newfid;
                done += chunk.size();
                if (!r.qids().isEmpty()) last = r.qids().getLast();
            } while (done < names.size());
            return new Fid(client, newfid, last);
        } catch (InterruptedIOException e) {
            // A flushed walk may or may not have bound newfid on the server: never reuse that number.
            if (bound) clunkQuietly(newfid);
            throw e;
        } catch (IOException | RuntimeException e) {
            if (bound) clunkQuietly(newfid);
            else client.fids().release(newfid);
            throw e;
        }
    }

    public Fid walk(String... names) throws IOException { return walk(Arrays.asList(names)); }

    /** Opens this fid for I/O (mode from {@link dockyard.p9.OpenMode}); returns this. */
    public Fid open(int mode) throws IOException {
        Ropen r = Responses.expect(client.mux().rpc(tag -> new Topen(tag, id, mode)), Ropen.class);
        qid = r.qid();
        iounit = r.iounit();
        open = true;
        return this;
    }

    /**
     * Creates {@code name} in this directory fid, which then stands for the new file, opened with
     * {@code mode}. Returns this.
     */
    public Fid create(String name, int perm, int mode) throws IOException { return create(name, perm, mode, ""); }

    /** As {@link #create(String, int, int)} with a 9P2000.u extension (a symlink target, a device spec). */
    public Fid create(String name, int perm, int mode, String extension) throws IOException {
        Rcreate r = Responses.expect(client.mux().rpc(tag -> new Tcreate(tag, id, name, perm, mode, extension)), Rcreate.class);
        qid = r.qid();
        iounit = r.iounit();
        open = true;
        return this;
    }

    /**
     * Up to {@code count} bytes at {@code offset} (fewer than asked is normal; empty means end of
     * file). Blocks as long as the server's file does; interrupting the thread flushes the read.
     */
    public ByteBuffer read(long offset, int count) throws IOException {
        return Responses.expect(startRead(offset, count).await(), Rread.class).data();
    }

    /** Sends a Tread without waiting, so a stream can cancel it from another thread. */
    Call startRead(long offset, int count) throws IOException {
        int n = Math.min(count, maxIo());
        return client.mux().start(tag -> new Tread(tag, id, offset, n));
    }

    /**
     * Writes what one message carries (at most {@link #maxIo()} bytes) from {@code data}'s position,
     * advances the position by the count the server took and returns that count.
     */
    public int write(long offset, ByteBuffer data) throws IOException {
        ByteBuffer chunk = data.slice(data.position(), Math.min(data.remaining(), maxIo()));
        int n = Responses.expect(client.mux().rpc(tag -> new Twrite(tag, id, offset, chunk)), Rwrite.class).count();
        if (n < 0 || n > chunk.remaining()) throw new ProtocolException("server claims to have written " + n + " of " + chunk.remaining() + " bytes");
        data.position(data.position() + n);
        return n;
    }

    /** Writes all of {@code data} starting at {@code offset}, in as many messages as needed. */
    public void writeFully(long offset, ByteBuffer data) throws IOException {
        long at = offset;
        while (data.hasRemaining()) {
            int n = write(at, data);
            if (n == 0) throw new IOException("server accepted no data at offset " + at);
            at += n;
        }
    }

    public Stat stat() throws IOException {
        return Responses.expect(client.mux().rpc(tag -> new Tstat(tag, id)), Rstat.class).stat();
    }

    /** Applies {@code change}, normally built from {@link Stat#dontTouch()}. */
    public void wstat(Stat change) throws IOException {
        Responses.expect(client.mux().rpc(tag -> new Twstat(tag, id, change)), Rwstat.class);
    }

    /** Removes the file; the fid is clunked whether or not that succeeds. */
    public void remove() throws IOException {
        if (!clunked.compareAndSet(false, true)) throw new IOException("fid " + id + " is already clunked");
        try {
            Responses.expect(client.mux().rpc(tag -> new Tremove(tag, id)), Rremove.class);
            client.fids().release(id);
        } catch (RemoteException e) {
            client.fids().release(id);
            throw e;
        }
    }

    /** Releases the fid on the server. Idempotent. */
    public void clunk() throws IOException {
        if (!clunked.compareAndSet(false, true)) return;
        try {
            Responses.expect(client.mux().rpc(tag -> new Tclunk(tag, id)), Rclunk.class);
            client.fids().release(id);
        } catch (RemoteException e) {
            client.fids().release(id); // the server does not know the fid: it is free either way
            throw e;
        }
    }

    /** Clunks, unless the connection is already gone (which clunked everything) or this is the client's root. */
    @Override
    public void close() throws IOException {
        if (pinned) return;
        if (!client.mux().isOpen()) {
            clunked.set(true);
            return;
        }
        clunk();
    }

    private void clunkQuietly(int fid) {
        try {
            Responses.expect(client.mux().rpc(tag -> new Tclunk(tag, fid)), Rclunk.class);
            client.fids().release(fid);
        } catch (IOException e) {
            // Leave the number retired: its state on the server is unknown.
        }
    }

    @Override public String toString() { return "Fid[" + id + ", " + qid + (open ? ", open" : "") + "]"; }
}
