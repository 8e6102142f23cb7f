package dockyard.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Passes bytes through while hashing and counting them; {@link #digest()} covers what was read so far. */
public class DigestingInputStream extends FilterInputStream {
  private final RunningDigest hash;

  public DigestingInputStream(InputStream in, Digest.Algorithm algorithm) {
    super(in);
    this.hash = new RunningDigest(algorithm);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) hash.update((byte) b);
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    if (n > 0) hash.update(buf, off, n);
    return n;
  }

  /** Skipped bytes still count: they are read and hashed, never jumped over. */
  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 65536)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
      if (r < 0) break;
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false; // a reset would hash the same bytes twice
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported while digesting");
  }

  /** The digest of the bytes read so far (does not disturb further hashing). */
  public Digest digest() {
    return hash.digest();
  }

  /** Bytes read so far. */
  public long size() {
    return hash.size();
  }
}
