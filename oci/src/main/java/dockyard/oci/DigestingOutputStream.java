package dockyard.oci;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** Passes bytes through while hashing and counting them, for content produced rather than received. */
public class DigestingOutputStream extends FilterOutputStream {
  private final Digest.Algorithm algorithm;
  private final MessageDigest hash;
  private long count;

  public DigestingOutputStream(OutputStream out, Digest.Algorithm algorithm) {
    super(out);
    this.algorithm = algorithm;
    this.hash = algorithm.newMessageDigest();
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    hash.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] buf, int off, int len) throws IOException {
    out.write(buf, off, len); // FilterOutputStream's default writes byte by byte
    hash.update(buf, off, len);
    count += len;
  }

  public Digest digest() {
    try {
      return Digest.fromBytes(algorithm, ((MessageDigest) hash.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("JDK message digests are cloneable", e);
    }
  }

  public long size() {
    return count;
  }
}
