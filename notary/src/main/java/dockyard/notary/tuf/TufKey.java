package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/**
 * A public key as TUF metadata carries it: {"keytype": …, "keyval": {"public": base64, "private": null}}.
 * Key types are notary's: ed25519 (32 raw bytes), ecdsa and rsa (DER SubjectPublicKeyInfo), and
 * ecdsa-x509 and rsa-x509 (a PEM certificate, as root keys are). The key ID is the SHA-256 of the
 * canonical JSON of the public part.
 */
public record TufKey(String keyType, byte[] publicBytes) {
  public static final Set<String> TYPES = Set.of("ed25519", "ecdsa", "rsa", "ecdsa-x509", "rsa-x509");

  public TufKey {
    if (!TYPES.contains(keyType)) throw new IllegalArgumentException("unknown key type \"" + keyType + "\" (" + TYPES + ")");
    publicBytes = publicBytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TufKey k && k.keyType.equals(keyType) && java.util.Arrays.equals(k.publicBytes, publicBytes);
  }

  @Override
  public int hashCode() {
    return keyType.hashCode() * 31 + java.util.Arrays.hashCode(publicBytes);
  }

  @Override
  public String toString() {
    return keyType + " key " + id();
  }

  @Override
  public byte[] publicBytes() {
    return publicBytes.clone();
  }

  public static TufKey fromJson(JsonNode n) throws TufException {
    if (!n.path("keytype").isTextual() || !n.path("keyval").path("public").isTextual()) {
      throw new TufException("a key needs \"keytype\" and \"keyval.public\"");
    }
    try {
      return new TufKey(n.get("keytype").asText(), Base64.getDecoder().decode(n.get("keyval").get("public").asText()));
    } catch (IllegalArgumentException e) {
      throw new TufException("bad key: " + e.getMessage());
    }
  }

  public ObjectNode toJson() {
    ObjectNode n = CanonicalJson.MAPPER.createObjectNode();
    n.put("keytype", keyType);
    ObjectNode v = n.putObject("keyval");
    v.putNull("private");
    v.put("public", Base64.getEncoder().encodeToString(publicBytes));
    return n;
  }

  /** Hex SHA-256 of the canonical JSON of the public key (notary's key ID). */
  public String id() {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(CanonicalJson.encode(toJson())));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JCA public key (for x509 types, the certificate's). */
  public PublicKey javaKey() throws TufException {
    try {
      return switch (keyType) {
        case "ed25519" -> {
          if (publicBytes.length != 32) throw new TufException("an ed25519 public key has 32 bytes, not " + publicBytes.length);
          // SubjectPublicKeyInfo for Ed25519 is a fixed 12-byte prefix before the raw key (RFC 8410)
          byte[] spki = new byte[44];
          System.arraycopy(HexFormat.of().parseHex("302a300506032b6570032100"), 0, spki, 0, 12);
          System.arraycopy(publicBytes, 0, spki, 12, 32);
          yield KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        }
        case "ecdsa" -> KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(publicBytes));
        case "rsa" -> KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicBytes));
        default -> certificate().getPublicKey();
      };
    } catch (GeneralSecurityException e) {
      throw new TufException(keyType + " key " + id() + ": " + e.getMessage());
    }
  }

  /** The certificate of an x509 key type. */
  public X509Certificate certificate() throws TufException {
    if (!keyType.endsWith("-x509")) throw new TufException(keyType + " keys carry no certificate");
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(publicBytes));
    } catch (GeneralSecurityException e) {
      throw new TufException("key " + id() + ": not a PEM certificate: " + e.getMessage());
    }
  }
}
