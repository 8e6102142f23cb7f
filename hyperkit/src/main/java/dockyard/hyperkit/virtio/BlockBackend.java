package dockyard.hyperkit.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The bytes behind a virtio-blk disk. */
public interface BlockBackend extends AutoCloseable {
  long size();

  boolean readOnly();

  /** Reads {@code dst.remaining()} bytes at {@code offset} (the range is inside {@link #size()}). */
  void read(long offset, ByteBuffer dst) throws IOException;

  void write(long offset, ByteBuffer src) throws IOException;

  void flush() throws IOException;

  @Override
  void close() throws IOException;

  /** A raw image file: sector N at byte N*512. */
  static BlockBackend raw(Path file, boolean readOnly) throws IOException {
    FileChannel ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
        : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long size = ch.size();
    return new BlockBackend() {
      @Override public long size() { return size; }
      @Override public boolean readOnly() { return readOnly; }

      @Override
      public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        while (dst.hasRemaining()) {
          int n = ch.read(dst, at);
          if (n < 0) throw new IOException(file + ": short read at " + at);
          at += n;
        }
      }

      @Override
      public void write(long offset, ByteBuffer src) throws IOException {
        long at = offset;
        while (src.hasRemaining()) at += ch.write(src, at);
      }

      @Override public void flush() throws IOException { ch.force(false); }
      @Override public void close() throws IOException { ch.close(); }
    };
  }
}
