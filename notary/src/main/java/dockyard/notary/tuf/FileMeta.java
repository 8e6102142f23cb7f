package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A file's length and hashes as TUF records them, for a target in targets metadata and for a role's
 * metadata in the snapshot and timestamp: {"length": N, "hashes": {"sha256": base64, "sha512": base64}}
 * and, for targets, optional "custom" JSON. {@link #check} is how mix-and-match and changed
 * targets are caught: every hash the record names must match, and the length.
 */
public record FileMeta(long length, Map<String, byte[]> hashes, JsonNode custom) {
  public FileMeta {
    hashes = java.util.Collections.unmodifiableMap(new TreeMap<>(hashes)); // sorted: sha256 is checked (and named in errors) first
  }

  /** sha256 and sha512 of {@code bytes}, as notary records both. */
  public static FileMeta of(byte[] bytes) {
    return new FileMeta(bytes.length, Map.of("sha256", digest("SHA-256", bytes), "sha512", digest("SHA-512", bytes)), null);
  }

  public static FileMeta fromJson(JsonNode n, String what) throws TufException {
    if (!n.path("length").canConvertToLong() || n.path("length").asLong() < 0 || !n.path("hashes").isObject()) {
      throw new TufException(what + ": needs \"length\" and \"hashes\"");
    }
    Map<String, byte[]> h = new TreeMap<>();
    for (var e = n.get("hashes").fields(); e.hasNext(); ) {
      var f = e.next();
      try {
        h.put(f.getKey(), Base64.getDecoder().decode(f.getValue().asText()));
      } catch (IllegalArgumentException ex) {
        throw new TufException(what + ": hash " + f.getKey() + " is not base64");
      }
    }
    if (!h.containsKey("sha256") && !h.containsKey("sha512")) throw new TufException(what + ": names neither a sha256 nor a sha512 hash");
    JsonNode custom = n.get("custom");
    return new FileMeta(n.get("length").asLong(), h, custom == null || custom.isNull() ? null : custom);
  }

  public ObjectNode toJson() {
    ObjectNode n = CanonicalJson.object();
    ObjectNode h = n.putObject("hashes");
    new TreeMap<>(hashes).forEach((k, v) -> h.put(k, Base64.getEncoder().encodeToString(v)));
    n.put("length", length);
    if (custom != null) n.set("custom", custom);
    return n;
  }

  public String sha256Hex() {
    byte[] h = hashes.get("sha256");
    return h == null ? "" : HexFormat.of().formatHex(h);
  }

  /** Refuses {@code bytes} unless their length and every named hash (sha256, sha512) match. */
  public void check(byte[] bytes, String what) throws TufException {
    if (bytes.length != length) throw new TufException(what + ": " + bytes.length + " bytes where " + length + " were expected");
    for (var e : hashes.entrySet()) {
      String alg = switch (e.getKey()) {
        case "sha256" -> "SHA-256";
        case "sha512" -> "SHA-512";
        default -> null; // a hash we cannot compute is neither proof nor disproof
      };
      if (alg != null && !MessageDigest.isEqual(digest(alg, bytes), e.getValue())) {
        throw new TufException(what + ": " + e.getKey() + " does not match (expected " + HexFormat.of().formatHex(e.getValue())
            + ", got " + HexFormat.of().formatHex(digest(alg, bytes)) + ")");
      }
    }
  }

  public static byte[] digest(String alg, byte[] bytes) {
    try {
      return MessageDigest.getInstance(alg).digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
