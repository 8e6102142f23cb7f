package dockyard.oci.tar;

import java.nio.charset.StandardCharsets;

/**
 * The ustar header block (POSIX.1-1988, as POSIX.1-2001 pax extends it): field offsets and the
 * number encodings. Octal, NUL- or space-terminated, is the standard; GNU's base-256 (high bit of
 * the first byte set) is read too because GNU tar and Go write it for values octal cannot hold.
 */
final class Ustar {
  private Ustar() {}

  static final int BLOCK = 512;

  static final int NAME = 0, NAME_LEN = 100;
  static final int MODE = 100, MODE_LEN = 8;
  static final int UID = 108, UID_LEN = 8;
  static final int GID = 116, GID_LEN = 8;
  static final int SIZE = 124, SIZE_LEN = 12;
  static final int MTIME = 136, MTIME_LEN = 12;
  static final int CHKSUM = 148, CHKSUM_LEN = 8;
  static final int TYPEFLAG = 156;
  static final int LINKNAME = 157, LINKNAME_LEN = 100;
  static final int MAGIC = 257, MAGIC_LEN = 6;
  static final int VERSION = 263, VERSION_LEN = 2;
  static final int UNAME = 265, UNAME_LEN = 32;
  static final int GNAME = 297, GNAME_LEN = 32;
  static final int DEVMAJOR = 329, DEVMAJOR_LEN = 8;
  static final int DEVMINOR = 337, DEVMINOR_LEN = 8;
  static final int PREFIX = 345, PREFIX_LEN = 155;

  /** Largest value an octal field of {@code len} bytes holds with its terminating NUL. */
  static long maxOctal(int len) {
    return (1L << (3 * (len - 1))) - 1;
  }

  static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) return false;
    }
    return true;
  }

  /** The checksum as POSIX defines it: unsigned byte sum with the checksum field read as spaces. */
  static long unsignedChecksum(byte[] h) {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) sum += (i >= CHKSUM && i < CHKSUM + CHKSUM_LEN) ? ' ' : (h[i] & 0xff);
    return sum;
  }

  /** Some historic tars summed signed bytes; readers accept either. */
  static long signedChecksum(byte[] h) {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) sum += (i >= CHKSUM && i < CHKSUM + CHKSUM_LEN) ? ' ' : h[i];
    return sum;
  }

  /**
   * Parses a numeric field; -1 means it is not a number this reader accepts (the caller names the
   * field). Negative base-256 values (only an mtime before 1970 could use one) are refused too.
   */
  static long parseNumber(byte[] h, int off, int len) {
    if ((h[off] & 0x80) != 0) {
      if ((h[off] & 0x40) != 0) return -1; // negative base-256
      long v = h[off] & 0x3f;
      for (int i = 1; i < len; i++) {
        if ((v >>> 55) != 0) return -1; // would overflow a long
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    int i = off, end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) i++;
    if (i == end) return 0;
    long v = 0;
    int digits = 0;
    for (; i < end && h[i] >= '0' && h[i] <= '7'; i++, digits++) {
      if ((v >>> 60) != 0) return -1;
      v = (v << 3) | (h[i] - '0');
    }
    for (; i < end; i++) {
      if (h[i] != ' ' && h[i] != 0) return -1; // only terminators may follow the digits
    }
    return digits == 0 ? -1 : v;
  }

  /** Writes {@code value} as zero-padded octal with a NUL terminator; the caller checked it fits. */
  static void putOctal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    int digits = len - 1;
    if (s.length() > digits) throw new IllegalStateException("octal " + s + " does not fit in " + len + " bytes");
    for (int i = 0; i < digits - s.length(); i++) h[off + i] = '0';
    for (int i = 0; i < s.length(); i++) h[off + digits - s.length() + i] = (byte) s.charAt(i);
    h[off + digits] = 0;
  }

  static void putBytes(byte[] h, int off, int len, byte[] value) {
    if (value.length > len) throw new IllegalStateException("field of " + len + " bytes cannot hold " + value.length);
    System.arraycopy(value, 0, h, off, value.length);
  }

  static void putAscii(byte[] h, int off, int len, String value) {
    putBytes(h, off, len, value.getBytes(StandardCharsets.US_ASCII));
  }

  /** The bytes of a NUL-terminated (or full-width) field. */
  static byte[] cstring(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) end++;
    return java.util.Arrays.copyOfRange(h, off, end);
  }

  static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) return false;
    }
    return true;
  }
}
