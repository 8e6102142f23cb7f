package dockyard.oci;

import java.security.MessageDigest;

/** A hash and byte count over a stream of bytes, readable at any point without disturbing it. */
final class RunningDigest {
  private final Digest.Algorithm algorithm;
  private final MessageDigest hash;
  private long count;

  RunningDigest(Digest.Algorithm algorithm) {
    this.algorithm = algorithm;
    this.hash = algorithm.newMessageDigest();
  }

  void update(byte b) {
    hash.update(b);
    count++;
  }

  void update(byte[] buf, int off, int len) {
    hash.update(buf, off, len);
    count += len;
  }

  /** The digest of the bytes so far (a clone is finished, so hashing goes on). */
  Digest digest() {
    try {
      return Digest.fromBytes(algorithm, ((MessageDigest) hash.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("JDK message digests are cloneable", e);
    }
  }

  long size() {
    return count;
  }
}
