package dockyard.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Delivers content only while it can still be what was promised: more bytes than the expected
 * size fail at once, and at end of stream the size and digest are checked, so a consumer that
 * reads to the end never finishes successfully on wrong content. Consumers that stop early (a
 * JSON parser, a tar reader at its end marker) call {@link #verifyRemaining()} before trusting
 * what they read. A failure is sticky: every later read throws it again.
 */
public final class VerifyingInputStream extends DigestingInputStream {
  private final Digest expected;
  private final long expectedSize;
  private final String what;
  private DigestMismatchException failure;
  private boolean verified;

  /**
   * @param expectedSize the size in bytes, or -1 when only the digest is known
   * @param what names the content in messages ("blobs/sha256/ab…", "layer 1 of alpine")
   */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
    super(in, expected.algorithm());
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    if (failure != null) throw failure;
    int b = super.read();
    if (b < 0) atEnd();
    else checkNotTooLong();
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (failure != null) throw failure;
    int n = super.read(buf, off, len);
    if (n < 0) atEnd();
    else checkNotTooLong();
    return n;
  }

  /** Reads whatever is left and checks it; a no-op once the end was verified. */
  public void verifyRemaining() throws IOException {
    if (failure != null) throw failure;
    if (!verified) transferTo(OutputStream.nullOutputStream());
    if (!verified) atEnd();
  }

  public Digest expected() {
    return expected;
  }

  private void checkNotTooLong() throws DigestMismatchException {
    if (expectedSize >= 0 && size() > expectedSize) {
      failure = DigestMismatchException.tooLong(what, expected, expectedSize);
      throw failure;
    }
  }

  private void atEnd() throws DigestMismatchException {
    if (verified) return;
    if (expectedSize >= 0 && size() != expectedSize) {
      failure = DigestMismatchException.tooShort(what, expected, expectedSize, size());
      throw failure;
    }
    Digest actual = digest();
    if (!actual.equals(expected)) {
      failure = DigestMismatchException.digest(what, expected, actual, size());
      throw failure;
    }
    verified = true;
  }
}
