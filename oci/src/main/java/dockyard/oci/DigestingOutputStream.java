package dockyard.oci;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Passes bytes through while hashing and counting them, for content produced rather than received. */
public class DigestingOutputStream extends FilterOutputStream {
  private final RunningDigest hash;

  public DigestingOutputStream(OutputStream out, Digest.Algorithm algorithm) {
    super(out);
    this.hash = new RunningDigest(algorithm);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    hash.update((byte) b);
  }

  @Override
  public void write(byte[] buf, int off, int len) throws IOException {
    out.write(buf, off, len); // FilterOutputStream's default writes byte by byte
    hash.update(buf, off, len);
  }

  /** The digest of the bytes written so far. */
  public Digest digest() {
    return hash.digest();
  }

  public long size() {
    return hash.size();
  }
}
