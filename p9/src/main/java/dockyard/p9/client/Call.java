package dockyard.p9.client;

import dockyard.p9.codec.Request;
import dockyard.p9.codec.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One request awaiting its answer. Cancelling sends a Tflush; per flush(5) the answer may still
 * arrive before the Rflush, and then it counts. Either way the tag stays reserved until the Rflush,
 * since only then may it be reused.
 */
final class Call {
    private final Multiplexer mux;
    private final Request request;
    /** For a Tflush: the call it cancels. */
    private final Call flushTarget;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private boolean answered;
    private boolean flushing;

    Call(Multiplexer mux, Request request, Call flushTarget) {
        this.mux = mux;
        this.request = request;
        this.flushTarget = flushTarget;
    }

    int tag() { return request.tag(); }

    Request request() { return request; }

    Call flushTarget() { return flushTarget; }

    /**
     * The answer. If the waiting thread is interrupted, the request is flushed first; the answer is
     * still returned if it beat the Rflush (with the interrupt flag set again), else this throws
     * {@link InterruptedIOException}.
     */
    Response await() throws IOException {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            try {
                return awaitSettled();
            } finally {
                Thread.currentThread().interrupt();
            }
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** Waits, ignoring interrupts, until the call is answered, flushed or failed. */
    Response awaitSettled() throws IOException {
        try {
            return result.join();
        } catch (CompletionException e) {
            throw unwrap(e);
        } catch (CancellationException e) {
            throw new RequestFlushedException("request cancelled");
        }
    }

    /** Sends a Tflush for this call unless it is already answered or being flushed. */
    void cancel() {
        synchronized (this) {
            if (answered || flushing || result.isDone()) return;
            flushing = true;
        }
        try {
            mux.startFlush(this);
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Delivers the answer; returns true if the tag must stay reserved for a pending Rflush. */
    boolean answer(Response r) {
        boolean keepTag;
        synchronized (this) {
            answered = true;
            keepTag = flushing;
        }
        result.complete(r);
        return keepTag;
    }

    /** The Rflush for this call arrived; if no answer came first, none will. */
    void flushed() {
        result.completeExceptionally(new RequestFlushedException(request.type().displayName() + " was flushed"));
    }

    void fail(IOException e) { result.completeExceptionally(e); }

    private static IOException unwrap(Exception e) {
        return e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
}
