package dockyard.oci;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * How a layer blob is compressed, told by its first bytes rather than by its media type (docker
 * save writes plain tars under gzip names, and some tools do the reverse). Only gzip can be
 * decompressed with the JDK alone; the others are recognised so the error can say what it is.
 */
public enum Compression {
  NONE, GZIP, ZSTD, BZIP2, XZ;

  /** Enough bytes to tell them apart. */
  public static final int MAGIC_LENGTH = 6;

  public static Compression detect(byte[] head, int length) {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) return GZIP;
    if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) return ZSTD;
    if (length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') return BZIP2;
    if (length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) return XZ;
    return NONE;
  }

  /**
   * Peeks at {@code in} (which must support mark/reset, e.g. a BufferedInputStream) without
   * consuming anything.
   */
  public static Compression detect(InputStream in) throws IOException {
    if (!in.markSupported()) throw new IllegalArgumentException("detect needs a stream that supports mark/reset");
    in.mark(MAGIC_LENGTH);
    byte[] head = in.readNBytes(MAGIC_LENGTH);
    in.reset();
    return detect(head, head.length);
  }

  /**
   * The decompressed view of {@code in}; closing it closes {@code in}. {@code what} names the
   * content in the error for a compression the JDK cannot read.
   */
  public InputStream decompress(InputStream in, String what) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD, BZIP2, XZ -> throw new OciException(what + ": " + name().toLowerCase(java.util.Locale.ROOT)
          + "-compressed content is not supported (only plain tar and gzip)");
    };
  }
}
