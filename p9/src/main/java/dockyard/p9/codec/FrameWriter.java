package dockyard.p9.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes encoded frames to a channel one at a time: concurrent writers never interleave their bytes.
 * Uses a gathering write when the channel supports one, so Rread/Twrite data goes out uncopied.
 */
public final class FrameWriter {
    private final WritableByteChannel channel;
    private final ReentrantLock lock = new ReentrantLock();

    public FrameWriter(WritableByteChannel channel) { this.channel = channel; }

    /** Writes all of {@code parts} as one frame (see {@link Codec#encodeParts}). */
    public void write(ByteBuffer... parts) throws IOException {
        lock.lock();
        try {
            writeLocked(parts);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock that {@link #write} holds, for callers that must make a state change atomic with
     * sending a frame (the server removes a tag from its in-flight table and answers it as one step).
     */
    public ReentrantLock lock() { return lock; }

    /** Writes while the caller already holds {@link #lock()}. */
    public void writeLocked(ByteBuffer... parts) throws IOException {
        if (!lock.isHeldByCurrentThread()) throw new IllegalStateException("frame lock not held");
        if (channel instanceof GatheringByteChannel g) {
            while (hasRemaining(parts)) g.write(parts);
        } else {
            for (ByteBuffer p : parts) while (p.hasRemaining()) channel.write(p);
        }
    }

    private static boolean hasRemaining(ByteBuffer[] parts) {
        for (ByteBuffer p : parts) if (p.hasRemaining()) return true;
        return false;
    }
}
