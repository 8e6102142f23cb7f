package dockyard.p9.client;

import java.io.InterruptedIOException;

/** A request was cancelled with Tflush before its answer arrived; the server will not answer it. */
public class RequestFlushedException extends InterruptedIOException {
    private static final long serialVersionUID = 1L;

    public RequestFlushedException(String message) { super(message); }
}
