package dockyard.oci;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;

/** The diff ID of a stored layer: the sha256 of its uncompressed tar, told by its bytes, not its media type. */
public final class DiffIds {
  private DiffIds() {}

  /** Reads the blob once, verifying it; an uncompressed tar is hashed as it is (its diff ID is its sha256). */
  public static Digest of(ContentStore store, Descriptor blob) throws IOException {
    try (VerifyingInputStream raw = store.open(blob);
         BufferedInputStream in = new BufferedInputStream(raw, 1 << 16)) {
      Compression c = Compression.detect(in);
      DigestingInputStream tar = new DigestingInputStream(c.decompress(in, blob.digest().blobPath()), Digest.Algorithm.SHA256);
      tar.transferTo(OutputStream.nullOutputStream());
      in.transferTo(OutputStream.nullOutputStream());
      raw.verifyRemaining();
      return tar.digest();
    }
  }
}
