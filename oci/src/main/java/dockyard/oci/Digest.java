package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content digest, {@code algorithm:hex}, as the OCI image-spec defines it. Only the registered
 * algorithms that can be verified here (sha256, sha512) are accepted: a digest nobody can check
 * is no better than none. The hex part is lower case with the algorithm's exact length, so two
 * digests of the same content are always equal as strings too (they name files in blob stores).
 */
public record Digest(Algorithm algorithm, String hex) implements Comparable<Digest> {

  /** The algorithms of the image-spec's registry that the JDK can compute. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String id;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String id, String jcaName, int hexLength) {
      this.id = id;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    /** The name used in digests and in {@code blobs/<alg>/} directories. */
    public String id() {
      return id;
    }

    public int hexLength() {
      return hexLength;
    }

    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK lacks " + jcaName, e); // both are mandatory in every JDK
      }
    }

    public static Algorithm fromId(String id) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) return a;
      }
      throw new IllegalArgumentException("unsupported digest algorithm \"" + id + "\" (supported: sha256, sha512)");
    }
  }

  private static final HexFormat HEX = HexFormat.of();

  public Digest {
    if (algorithm == null) throw new IllegalArgumentException("digest algorithm is missing");
    if (hex == null || hex.length() != algorithm.hexLength || !isLowerHex(hex)) {
      throw new IllegalArgumentException("invalid " + algorithm.id + " digest \"" + hex + "\": want "
          + algorithm.hexLength + " lower-case hex digits");
    }
  }

  /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}; the message quotes the input. */
  @JsonCreator
  public static Digest parse(String text) {
    if (text == null) throw new IllegalArgumentException("digest is missing");
    int colon = text.indexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("invalid digest \"" + text + "\": want algorithm:hex");
    try {
      return new Digest(Algorithm.fromId(text.substring(0, colon)), text.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid digest \"" + text + "\": " + e.getMessage(), e);
    }
  }

  public static Digest sha256(byte[] content) {
    return of(Algorithm.SHA256, content);
  }

  public static Digest of(Algorithm algorithm, byte[] content) {
    return fromBytes(algorithm, algorithm.newMessageDigest().digest(content));
  }

  /** Reads {@code in} to its end (it is not closed: the caller opened it). */
  public static Digest compute(Algorithm algorithm, InputStream in) throws IOException {
    DigestingInputStream digesting = new DigestingInputStream(in, algorithm);
    digesting.transferTo(OutputStream.nullOutputStream());
    return digesting.digest();
  }

  public static Digest fromBytes(Algorithm algorithm, byte[] digest) {
    return new Digest(algorithm, HEX.formatHex(digest));
  }

  /** The form used everywhere in JSON: {@code sha256:abc…}. */
  @JsonValue
  @Override
  public String toString() {
    return algorithm.id + ":" + hex;
  }

  /** For messages: {@code sha256:0123456789ab}. */
  public String shortForm() {
    return algorithm.id + ":" + hex.substring(0, 12);
  }

  /** The file's path inside an OCI layout: {@code blobs/sha256/abc…}. */
  public String blobPath() {
    return "blobs/" + algorithm.id + "/" + hex;
  }

  @Override
  public int compareTo(Digest other) {
    return toString().compareTo(other.toString());
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }
}
