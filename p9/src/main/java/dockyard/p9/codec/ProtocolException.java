package dockyard.p9.codec;

import java.io.IOException;

/**
 * A frame that does not follow the 9P wire format, or a message that cannot be put on the wire.
 * It is an {@link IOException} because a peer speaking garbage is an I/O failure of that connection.
 */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) { super(message); }
}
