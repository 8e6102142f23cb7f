package dockyard.p9.codec;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads whole frames from a blocking channel. The size field is checked before anything is
 * allocated, so a hostile peer cannot make us reserve more than {@code maxFrameSize} bytes.
 * Not thread-safe: a connection has exactly one reading thread.
 */
public final class FrameReader {
    private final ReadableByteChannel channel;
    private final ByteBuffer sizeField = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

    public FrameReader(ReadableByteChannel channel) { this.channel = channel; }

    /**
     * The next frame, size field included, or null when the peer closed the connection cleanly
     * between frames.
     *
     * @throws ProtocolException if the size field is below the header size or above {@code maxFrameSize}
     * @throws EOFException if the connection ends inside a frame
     */
    public ByteBuffer read(int maxFrameSize) throws IOException {
        sizeField.clear();
        if (!fill(sizeField, true)) return null;
        long size = Integer.toUnsignedLong(sizeField.getInt(0));
        if (size < Codec.HEADER_SIZE)
            throw new ProtocolException("frame size " + size + " is smaller than the 7-byte header");
        if (size > maxFrameSize)
            throw new ProtocolException("frame size " + size + " exceeds the maximum message size " + maxFrameSize);
        ByteBuffer frame = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        frame.put(sizeField.flip());
        fill(frame, false);
        return frame.flip();
    }

    /** Fills {@code b}; false only if the stream ended before its first byte and {@code eofAllowed}. */
    private boolean fill(ByteBuffer b, boolean eofAllowed) throws IOException {
        boolean started = b.position() > 0;
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                if (eofAllowed && !started && b.position() == 0) return false;
                throw new EOFException("connection closed inside a frame");
            }
        }
        return true;
    }
}
