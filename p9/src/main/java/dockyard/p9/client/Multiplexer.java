package dockyard.p9.client;

import dockyard.p9.codec.*;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntFunction;

/**
 * Shares one connection among any number of threads: each request gets a tag and a {@link Call};
 * a reader thread hands every answer to the call with its tag. Frames are written by a single
 * writer thread, never by callers, because interrupting a thread inside a channel write closes the
 * channel, and callers get interrupted (that is how they cancel).
 */
final class Multiplexer implements AutoCloseable {
    private final ByteChannel channel;
    private final Codec codec;
    private final TagPool tags = new TagPool();
    private final ConcurrentHashMap<Integer, Call> pending = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<ByteBuffer[]> outbox = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Thread writer;
    /** Why the connection is unusable; null while it works. */
    private volatile IOException failure;

    private Multiplexer(ByteChannel channel, Codec codec) {
        this.channel = channel;
        this.codec = codec;
        this.reader = Thread.ofVirtual().name("9p client reader").unstarted(this::readLoop);
        this.writer = Thread.ofVirtual().name("9p client writer").unstarted(this::writeLoop);
    }

    /**
     * Negotiates version and msize on {@code channel} (before any other traffic, so synchronously)
     * and starts multiplexing.
     */
    static Multiplexer negotiate(ByteChannel channel, Dialect wanted, int msize) throws IOException {
        // version(5) messages have the same layout in every dialect, and errors before agreement are plain 9P2000.
        Codec bootstrap = new Codec(Dialect.P9_2000, msize);
        new FrameWriter(channel).write(bootstrap.encodeParts(new Tversion(Message.NOTAG, msize, wanted.version())));
        ByteBuffer frame = new FrameReader(channel).read(msize);
        if (frame == null) throw new EOFException("server closed the connection during version negotiation");
        if (!(bootstrap.decode(frame) instanceof Response answer))
            throw new ProtocolException("server answered Tversion with a request");
        Rversion rv = Responses.expect(answer, Rversion.class);
        Dialect dialect = Dialect.ofVersion(rv.version())
                .orElseThrow(() -> new ProtocolException("server does not speak " + wanted.version() + " (answered '" + rv.version() + "')"));
        if (dialect.ordinal() > wanted.ordinal())
            throw new ProtocolException("server answered " + rv.version() + " to a " + wanted.version() + " request");
        long agreed = Math.min(Integer.toUnsignedLong(rv.msize()), msize);
        if (agreed <= Codec.IOHDRSZ) throw new ProtocolException("server msize " + agreed + " leaves no room for data");
        Multiplexer mux = new Multiplexer(channel, new Codec(dialect, (int) agreed));
        mux.reader.start();
        mux.writer.start();
        return mux;
    }

    Dialect dialect() { return codec.dialect(); }

    int msize() { return codec.maxFrameSize(); }

    /** Sends a request and waits for its answer (see {@link Call#await()}). */
    Response rpc(IntFunction<Request> request) throws IOException {
        return start(request, null).await();
    }

    /** Sends a request built for a fresh tag; the answer arrives through the returned call. */
    Call start(IntFunction<Request> request) throws IOException { return start(request, null); }

    Call startFlush(Call target) throws IOException {
        return start(tag -> new Tflush(tag, target.tag()), target);
    }

    private Call start(IntFunction<Request> build, Call flushTarget) throws IOException {
        checkOpen();
        int tag = tags.acquire();
        Call call;
        ByteBuffer[] frame;
        try {
            call = new Call(this, build.apply(tag), flushTarget);
            frame = codec.encodeParts(call.request());
        } catch (IOException | RuntimeException e) {
            tags.release(tag);
            throw e;
        }
        pending.put(tag, call);
        outbox.add(frame);
        IOException f = failure;
        if (f != null) call.fail(f); // failed meanwhile: fail() may have swept before we registered
        return call;
    }

    private void readLoop() {
        FrameReader frames = new FrameReader(channel);
        try {
            while (true) {
                ByteBuffer frame = frames.read(codec.maxFrameSize());
                if (frame == null) throw new EOFException("server closed the connection");
                if (!(codec.decode(frame) instanceof Response r))
                    throw new ProtocolException("server sent a request");
                deliver(r);
            }
        } catch (IOException e) {
            fail(failure != null ? failure : e);
        }
    }

    private void deliver(Response r) throws ProtocolException {
        Call call = pending.get(r.tag());
        if (call == null) throw new ProtocolException("answer " + r.type().displayName() + " for unknown tag " + r.tag());
        if (!call.answer(r)) retire(call);
        Call target = call.flushTarget();
        if (target != null) {
            target.flushed();
            retire(target);
        }
    }

    private void retire(Call call) {
        if (pending.remove(call.tag(), call)) tags.release(call.tag());
    }

    private void writeLoop() {
        FrameWriter frames = new FrameWriter(channel);
        try {
            while (true) frames.write(outbox.take());
        } catch (InterruptedException e) {
            // close() stops the writer
        } catch (IOException e) {
            fail(e);
        }
    }

    private void checkOpen() throws IOException {
        IOException f = failure;
        if (f != null) throw new IOException("9P connection is closed: " + f.getMessage(), f);
    }

    /** Marks the connection dead, closes it and fails every outstanding call. */
    private void fail(IOException why) {
        synchronized (this) {
            if (failure == null) failure = why;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing; the first cause is the one worth reporting
        }
        for (Call c : List.copyOf(pending.values())) c.fail(failure);
        pending.clear();
        outbox.clear();
    }

    boolean isOpen() { return failure == null; }

    @Override
    public void close() {
        fail(new IOException("client closed"));
        writer.interrupt();
        try {
            reader.join(5_000);
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
