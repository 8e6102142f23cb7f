package dockyard.p9.client;

import dockyard.p9.codec.Rread;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Reads an open fid from start to end with a growing offset. Fits server-side streams, whose reads
 * block until there is data: {@link #close()} from another thread flushes the blocked Tread, so the
 * reader returns -1 promptly instead of waiting for data that may never come.
 */
final class FidInputStream extends InputStream {
    private final Fid fid;
    private long offset;
    private ByteBuffer buffered = ByteBuffer.allocate(0);
    private boolean eof;
    /** The last read returned fewer bytes than asked. */
    private boolean lastShort;
    /** The read on the wire, for close() to flush. */
    private volatile Call inFlight;
    private volatile boolean closed;

    FidInputStream(Fid fid) { this.fid = fid; }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) return -1;
        if (len == 0) return 0;
        if (!buffered.hasRemaining() && !fill()) return -1;
        int n = Math.min(len, buffered.remaining());
        buffered.get(b, off, n);
        return n;
    }

    /** One Tread; false at end of file or once closed. */
    private boolean fill() throws IOException {
        if (eof) return false;
        try {
            Call call = fid.startRead(offset, fid.maxIo());
            inFlight = call;
            if (closed) call.cancel(); // close() ran before it could see this call
            ByteBuffer data = Responses.expect(call.await(), Rread.class).data();
            if (closed) return false;
            if (!data.hasRemaining()) {
                // a stream answers the read after a short one with 0 bytes (for the Linux client);
                // only a second empty read at the same offset is the end of the file
                if (lastShort) {
                    lastShort = false;
                    return fill();
                }
                eof = true;
                return false;
            }
            lastShort = data.remaining() < fid.maxIo();
            offset += data.remaining();
            buffered = data;
            return true;
        } catch (IOException e) {
            if (closed) return false; // flushed or torn down by close(): that is the end of the stream
            throw e;
        } finally {
            inFlight = null;
        }
    }

    /** Flushes a read in progress, waits for the server to confirm, then clunks the fid. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
            try {
                call.awaitSettled();
            } catch (IOException expected) {
                // the flushed read reports its cancellation to the reading thread, not here
            }
        }
        fid.close();
    }
}
