package dockyard.p9.server;

import dockyard.p9.codec.Request;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One request being handled on its own virtual thread, and the race between its answer and its
 * abortion (Tflush, Tversion, connection end). Exactly one side wins: the handler by
 * {@link #beginResponse()}, the aborter by {@link #abort()}. That makes "no response after
 * Rflush" hold, and means a handler is never interrupted while it writes to the channel (an
 * interrupt there would close the whole connection).
 */
final class InFlight {
    private enum State { RUNNING, RESPONDING, ABORTED }

    final Request request;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Consumer<InFlight> handler;
    private volatile Thread thread;

    InFlight(Request request, Consumer<InFlight> handler) {
        this.request = request;
        this.handler = handler;
    }

    int tag() { return request.tag(); }

    /** Runs the handler on its own virtual thread. */
    void start() {
        thread = Thread.ofVirtual()
                .name("9p " + request.type().displayName() + " tag " + request.tag())
                .start(() -> handler.accept(this));
    }

    /**
     * Runs the handler on the calling (reader) thread, for requests that cannot block: no flush
     * can reach it meanwhile, since the reader reads the next frame only afterwards.
     */
    void runHere() { handler.accept(this); }

    /** Claims the right to answer; false if the request was aborted and must stay silent. */
    boolean beginResponse() { return state.compareAndSet(State.RUNNING, State.RESPONDING); }

    boolean aborted() { return state.get() == State.ABORTED; }

    /**
     * Ensures the request will not answer, interrupting its work; a no-op if it has already begun
     * answering (then its answer precedes whatever the aborter sends once {@link #awaitDone} returns).
     */
    void abort() {
        Thread t = thread;
        if (state.compareAndSet(State.RUNNING, State.ABORTED) && t != null) t.interrupt();
    }

    /** Marks the handler finished: its answer, if any, is on the wire and its tag is free. */
    void finish() { done.countDown(); }

    void awaitDone() throws InterruptedException { done.await(); }

    boolean awaitDone(long millis) throws InterruptedException { return done.await(millis, TimeUnit.MILLISECONDS); }
}
