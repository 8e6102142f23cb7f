package dockyard.oci;

import dockyard.oci.fs.SafeFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes one blob into a {@link ContentStore}: bytes go to a private temporary file beside their
 * final place while being hashed; {@link #commit} checks them against what was expected, fsyncs,
 * and renames the file into place atomically. Closing without a successful commit deletes the
 * temporary file, so a failed or abandoned write leaves nothing behind, and readers only ever see
 * complete, verified blobs. Concurrent writers of the same blob each have their own temporary file;
 * the renames replace identical content with identical content.
 */
public final class BlobWriter extends OutputStream {
  private final Digest expected;
  private final long expectedSize;
  private final String what;
  private final Path dir;
  private Path tmp;
  private final FileChannel channel;
  private final DigestingOutputStream out;
  private Descriptor committed;
  private boolean failed;

  BlobWriter(ContentStore store, Digest expected, long expectedSize, String what) throws IOException {
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
    Digest.Algorithm algorithm = expected == null ? Digest.Algorithm.SHA256 : expected.algorithm();
    this.dir = store.root().resolve("blobs").resolve(algorithm.id());
    Files.createDirectories(dir);
    this.tmp = SafeFiles.createTemp(dir, ".tmp-");
    FileChannel ch = null;
    try {
      ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
    } finally {
      if (ch == null) Files.deleteIfExists(tmp);
    }
    this.channel = ch;
    // buffered: tar writers hand over 512-byte headers, and each unbuffered write is a system call
    this.out = new DigestingOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), algorithm);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] buf, int off, int len) throws IOException {
    if (committed != null) throw new IOException(what + ": already committed");
    if (failed) throw new IOException(what + ": write failed earlier");
    if (expectedSize >= 0 && out.size() + len > expectedSize) {
      failed = true; // stop before the disk fills with something that cannot be right
      throw DigestMismatchException.tooLong(what, expected, expectedSize);
    }
    out.write(buf, off, len);
  }

  /** Bytes written so far. */
  public long size() {
    return out.size();
  }

  /** The digest of the bytes written so far. */
  public Digest digest() {
    return out.digest();
  }

  /**
   * Verifies, fsyncs and moves the blob into place; returns its descriptor. On a mismatch the
   * temporary file is deleted and the exception names the expected and actual digests.
   */
  public Descriptor commit(String mediaType) throws IOException {
    if (committed != null) return committed.withMediaType(mediaType);
    if (failed) throw new IOException(what + ": cannot commit after a failed write");
    Digest actual = out.digest();
    long size = out.size();
    if (expectedSize >= 0 && size != expectedSize) {
      failed = true;
      discard();
      throw DigestMismatchException.tooShort(what, expected, expectedSize, size);
    }
    if (expected != null && !expected.equals(actual)) {
      failed = true;
      discard();
      throw DigestMismatchException.digest(what, expected, actual, size);
    }
    out.flush();
    channel.force(true);
    channel.close();
    Files.move(tmp, dir.resolve(actual.hex()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    tmp = null;
    SafeFiles.fsync(dir);
    committed = Descriptor.of(mediaType, actual, size);
    return committed;
  }

  /** Deletes the temporary file unless the blob was committed. */
  @Override
  public void close() throws IOException {
    if (tmp != null) discard();
  }

  private void discard() throws IOException {
    try {
      channel.close();
    } finally {
      if (tmp != null) Files.deleteIfExists(tmp);
      tmp = null;
    }
  }
}
