package dockyard.p9.server;

import dockyard.p9.P9Error;
import dockyard.p9.codec.*;
import dockyard.p9.vfs.FileSystem;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client connection: a reader loop that decodes frames and starts each request on its own
 * virtual thread, the tag table, flushes, version negotiation and teardown. The file operations
 * themselves live in {@link Session}.
 *
 * <p>A malformed or oversized frame ends this connection only: after garbage the frame boundaries
 * are lost, so there is nothing sensible left to answer.
 */
final class Connection {
    /** Below this an Rerror with a useful message would not fit; no real client asks for less. */
    static final int MIN_MSIZE = 256;
    /** Longest error string sent; keeps an Rerror well inside any msize we accept. */
    private static final int MAX_ENAME = 200;
    /** How long teardown waits for interrupted requests before closing their files anyway. */
    private static final long TEARDOWN_GRACE_MILLIS = 5_000;

    private final ByteChannel channel;
    private final FileSystem fs;
    private final int maxMsize;
    private final System.Logger log;
    private final String name;
    private final FrameReader reader;
    private final FrameWriter writer;
    private final ConcurrentHashMap<Integer, InFlight> inFlight = new ConcurrentHashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Told when teardown is complete, so the server's count of connections is exact once close() returns. */
    private final Consumer<Connection> onFinished;

    /** Plain 9P2000 at the server's maximum until a Tversion says otherwise. */
    private volatile Codec codec;
    /** Null until a Tversion succeeds. */
    private volatile Session session;
    private volatile boolean closing;

    Connection(ByteChannel channel, FileSystem fs, P9Server.Options opts, String name, Consumer<Connection> onFinished) {
        this.channel = channel;
        this.fs = fs;
        this.maxMsize = opts.maxMsize();
        this.log = opts.logger();
        this.name = name;
        this.reader = new FrameReader(channel);
        this.writer = new FrameWriter(channel);
        this.codec = new Codec(Dialect.P9_2000, maxMsize);
        this.onFinished = onFinished;
    }

    /** Serves until the peer hangs up, a frame is malformed or {@link #close()} is called. */
    void run() {
        try {
            for (ByteBuffer frame; (frame = reader.read(codec.maxFrameSize())) != null; ) dispatch(frame);
            log.log(Level.DEBUG, "{0}: closed by peer", name);
        } catch (ProtocolException e) {
            log.log(Level.WARNING, "{0}: closing connection after a protocol error: {1}", name, e.getMessage());
        } catch (IOException e) {
            if (!closing) log.log(Level.DEBUG, "{0}: connection lost: {1}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            teardown();
        }
    }

    /** Closes the channel; {@link #run()} then tears the connection down. */
    void close() {
        closing = true;
        closeChannel();
    }

    boolean awaitFinished(long millis) throws InterruptedException {
        return finished.await(millis, TimeUnit.MILLISECONDS);
    }

    String name() { return name; }

    private void dispatch(ByteBuffer frame) throws IOException, InterruptedException {
        int type = frame.get(4) & 0xFF;
        if (session == null && type != MessageType.TVERSION.code()) {
            // The dialect, and so the layout of the frame, is unknown until a Tversion; only the tag can be trusted.
            send(error(frame.getShort(5) & 0xFFFF, new P9Error(P9Error.EPROTO, "Tversion must come first")));
            return;
        }
        Message m = codec.decode(frame);
        if (!(m instanceof Request request))
            throw new ProtocolException("a client sent " + m.type().displayName());
        if (request instanceof Tversion v) {
            negotiate(v);
            return;
        }
        InFlight f = new InFlight(request, this::handle);
        if (inFlight.putIfAbsent(f.tag(), f) != null) {
            log.log(Level.WARNING, "{0}: tag {1} reused while in flight", name, f.tag());
            send(error(f.tag(), new P9Error(P9Error.EINVAL, "tag " + f.tag() + " is already in use")));
            return;
        }
        if (session.runsInline(request)) f.runHere(); else f.start();
    }

    /**
     * version(5): aborts everything outstanding, clunks every fid and starts a fresh session. Runs on
     * the reader thread, because the frames after it must be decoded in the dialect it picks.
     */
    private void negotiate(Tversion v) throws IOException, InterruptedException {
        abortAll();
        endSession();
        codec = new Codec(Dialect.P9_2000, maxMsize); // no dialect until this negotiation succeeds
        long asked = Integer.toUnsignedLong(v.msize());
        int msize = (int) Math.min(asked, maxMsize);
        if (msize < MIN_MSIZE) {
            send(error(v.tag(), P9Error.invalid("msize " + asked + " is below the minimum of " + MIN_MSIZE)));
            return;
        }
        Optional<Dialect> dialect = Dialect.negotiate(v.version());
        if (dialect.isEmpty()) {
            send(new Rversion(v.tag(), msize, "unknown"));
            return;
        }
        codec = new Codec(dialect.get(), msize);
        session = new Session(fs, dialect.get(), msize, log);
        log.log(Level.DEBUG, "{0}: negotiated {1} with msize {2}", name, dialect.get().version(), msize);
        send(new Rversion(v.tag(), msize, dialect.get().version()));
    }

    /** The body of a request's virtual thread. */
    private void handle(InFlight f) {
        Response r = null;
        try {
            if (f.aborted()) return;
            r = switch (f.request) {
                case Tflush fl -> flush(fl, f);
                default -> currentSession().handle(f.request);
            };
        } catch (P9Error e) {
            r = error(f.tag(), e);
        } catch (InterruptedException e) {
            r = error(f.tag(), new P9Error(P9Error.EINTR, "interrupted"));
        } catch (RuntimeException e) {
            log.log(Level.WARNING, name + ": " + f.request.type().displayName() + " failed unexpectedly", e);
            r = error(f.tag(), new P9Error(P9Error.EIO, "internal server error: " + e));
        } finally {
            respond(f, r);
        }
    }

    /** flush(5): once the old request has finished or been stopped, it will never answer. */
    private Rflush flush(Tflush fl, InFlight self) throws InterruptedException {
        InFlight old = inFlight.get(fl.oldtag());
        if (old != null && old != self) {
            old.abort();
            old.awaitDone();
        }
        return new Rflush(fl.tag());
    }

    /**
     * Sends the answer unless the request was aborted. Freeing the tag and writing the answer happen
     * under the frame lock as one step: a Tflush that no longer finds the tag must queue its Rflush
     * behind this answer, and the client may reuse the tag as soon as it reads the answer.
     */
    private void respond(InFlight f, Response r) {
        try {
            if (r == null || !f.beginResponse()) return;
            ByteBuffer[] frame = encode(r);
            writer.lock().lock();
            try {
                inFlight.remove(f.tag(), f);
                writer.writeLocked(frame);
            } finally {
                writer.lock().unlock();
            }
        } catch (IOException e) {
            if (!closing) log.log(Level.DEBUG, "{0}: write failed: {1}", name, e.toString());
            closeChannel();
        } finally {
            inFlight.remove(f.tag(), f);
            f.finish();
        }
    }

    private void send(Response r) throws IOException { writer.write(encode(r)); }

    /** Encodes {@code r}, answering with an error if it cannot be represented (e.g. a stat too large for msize). */
    private ByteBuffer[] encode(Response r) throws ProtocolException {
        Codec c = codec;
        try {
            return c.encodeParts(r);
        } catch (ProtocolException e) {
            log.log(Level.WARNING, "{0}: cannot send {1}: {2}", name, r.type().displayName(), e.getMessage());
            return c.encodeParts(error(r.tag(), new P9Error(P9Error.EMSGSIZE, e.getMessage())));
        }
    }

    private Rerror error(int tag, P9Error e) {
        String msg = e.getMessage() == null ? "error" : e.getMessage();
        if (msg.length() > MAX_ENAME) msg = msg.substring(0, MAX_ENAME);
        return new Rerror(tag, msg, e.errno());
    }

    private Session currentSession() throws P9Error {
        Session s = session;
        if (s == null) throw FidTable.sessionEnded();
        return s;
    }

    /** Aborts every request in flight and waits until each has finished (answered or silenced). */
    private void abortAll() throws InterruptedException {
        List<InFlight> all = List.copyOf(inFlight.values());
        all.forEach(InFlight::abort);
        for (InFlight f : all) f.awaitDone();
    }

    private void endSession() {
        Session s = session;
        session = null;
        if (s != null) s.close();
    }

    private void teardown() {
        closing = true;
        closeChannel();
        List<InFlight> all = List.copyOf(inFlight.values());
        all.forEach(InFlight::abort);
        try {
            for (InFlight f : all)
                if (!f.awaitDone(TEARDOWN_GRACE_MILLIS))
                    log.log(Level.WARNING, "{0}: {1} ignored its interrupt; closing its files anyway", name,
                            f.request.type().displayName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        endSession();
        onFinished.accept(this);
        finished.countDown();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            log.log(Level.DEBUG, "{0}: close failed: {1}", name, e.toString());
        }
    }
}
