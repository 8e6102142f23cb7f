package dockyard.oci;

/**
 * Content whose digest or size differs from what its descriptor promised. The expected digest (and
 * the actual one, when reading got that far) are kept for callers; the content itself is never used.
 */
public final class DigestMismatchException extends OciException {
  private final Digest expected;
  private final Digest actual;

  private DigestMismatchException(String message, Digest expected, Digest actual) {
    super(message);
    this.expected = expected;
    this.actual = actual;
  }

  /** {@code what} names the content: a file, a blob, "layer 2 of busybox:latest". */
  public static DigestMismatchException digest(String what, Digest expected, Digest actual, long size) {
    return new DigestMismatchException(
        what + ": digest mismatch: expected " + expected + ", got " + actual + " (" + size + " bytes)", expected, actual);
  }

  /** Too few bytes: {@code actualSize} is all there was. */
  public static DigestMismatchException tooShort(String what, Digest expected, long expectedSize, long actualSize) {
    return new DigestMismatchException(what + ": size mismatch" + (expected == null ? "" : " for " + expected) + ": expected "
        + expectedSize + " bytes, got " + actualSize, expected, null);
  }

  /** Too many bytes: reading stopped as soon as the content passed {@code expectedSize}. */
  public static DigestMismatchException tooLong(String what, Digest expected, long expectedSize) {
    return new DigestMismatchException(what + ": size mismatch" + (expected == null ? "" : " for " + expected) + ": expected "
        + expectedSize + " bytes, got more", expected, null);
  }

  /** The digest that was promised; null for a size-only check of content whose digest was not known. */
  public Digest expected() {
    return expected;
  }

  /** The digest of what arrived, or null when the size was wrong and reading stopped early. */
  public Digest actual() {
    return actual;
  }
}
