package dockyard.p9.client;

import java.io.IOException;

/** The server answered a request with an Rerror. */
public class RemoteException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public RemoteException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The Unix errno the server sent (9P2000.u), or 0 when the dialect carries none. */
    public int errno() { return errno; }
}
