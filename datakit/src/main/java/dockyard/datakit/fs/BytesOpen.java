package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;

/** An open file over a fixed snapshot of bytes: what a read of a synthetic file sees is taken at open. */
final class BytesOpen implements OpenFile {
    private final byte[] bytes;

    BytesOpen(byte[] bytes) { this.bytes = bytes; }

    @Override public boolean mayBlock() { return false; }

    @Override public int write(long offset, ByteBuffer data) throws P9Error { throw Errors.readOnlyFile(); }

    @Override public ByteBuffer read(long offset, int count) {
        if (offset >= bytes.length) return ByteBuffer.allocate(0);
        int n = (int) Math.min(count, bytes.length - offset);
        return ByteBuffer.wrap(bytes, (int) offset, n).slice();
    }
}
