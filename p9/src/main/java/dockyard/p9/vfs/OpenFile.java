package dockyard.p9.vfs;

import dockyard.p9.P9Error;

import java.nio.ByteBuffer;

/**
 * A node opened by one fid; closed when the fid is clunked (or the connection ends).
 * Reads and writes of one open file may come concurrently from different tags.
 */
public interface OpenFile extends AutoCloseable {

    /**
     * Up to {@code count} bytes from {@code offset}; an empty buffer means end of file. A stream
     * blocks here until data exists and must give up with {@link InterruptedException} when interrupted.
     */
    ByteBuffer read(long offset, int count) throws P9Error, InterruptedException;

    /** Writes {@code data} at {@code offset} and returns the count taken. */
    default int write(long offset, ByteBuffer data) throws P9Error, InterruptedException {
        throw P9Error.permission("file not open for writing");
    }

    /**
     * Whether {@link #read}/{@link #write} may wait on something other than memory or local disk
     * (a stream waiting for its next line). Only files that answer false have their reads and
     * writes run directly on the connection's reader thread, which saves a thread hand-off per
     * request; a file that says false and then blocks stalls its whole connection.
     */
    default boolean mayBlock() { return true; }

    /** The iounit reported in Ropen/Rcreate; 0 lets the client use msize minus the header. */
    default int iounit() { return 0; }

    /** Called on clunk; must not throw for an ordinary close. */
    @Override default void close() throws P9Error {}
}
