package dockyard.notary.keys;

import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufKey;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Self-signed certificates for root keys. A notary client trusts a root only through certificates
 * whose common name is the repository's GUN, so a root key is published as "ecdsa-x509": the PEM
 * of such a certificate (what notary makes: key usage digitalSignature and keyEncipherment, code
 * signing, not a CA).
 */
public final class Certificates {
  private static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2", COMMON_NAME = "2.5.4.3",
      KEY_USAGE = "2.5.29.15", EXT_KEY_USAGE = "2.5.29.37", BASIC_CONSTRAINTS = "2.5.29.19", CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

  private Certificates() {}

  /**
   * An ECDSA signer whose public key is a certificate for {@code commonName} valid from
   * {@code notBefore} to {@code notAfter}, self-signed with the same private key.
   */
  public static Signer selfSigned(Signer ecdsa, String commonName, Instant notBefore, Instant notAfter) throws GeneralSecurityException, IOException {
    if (!ecdsa.publicKey().keyType().equals("ecdsa")) throw new GeneralSecurityException("root certificates are made for ECDSA keys, not " + ecdsa.publicKey().keyType());
    byte[] algorithm = Der.seq(Der.oid(ECDSA_SHA256));
    byte[] name = Der.seq(Der.tlv(Der.SET, Der.seq(Der.oid(COMMON_NAME), Der.tlv(Der.UTF8, commonName.getBytes(StandardCharsets.UTF_8)))));
    byte[] serial = new byte[16];
    new SecureRandom().nextBytes(serial);
    byte[] extensions = Der.tlv(0xa3, Der.seq(
        Der.seq(Der.oid(KEY_USAGE), Der.tlv(0x01, new byte[] {(byte) 0xff}), Der.octets(Der.tlv(Der.BIT_STRING, new byte[] {5, (byte) 0xa0}))),
        Der.seq(Der.oid(EXT_KEY_USAGE), Der.octets(Der.seq(Der.oid(CODE_SIGNING)))),
        Der.seq(Der.oid(BASIC_CONSTRAINTS), Der.tlv(0x01, new byte[] {(byte) 0xff}), Der.octets(Der.seq()))));
    byte[] tbs = Der.seq(
        Der.tlv(0xa0, Der.integer(2)),
        Der.integer(new BigInteger(1, serial)),
        algorithm,
        name,
        Der.seq(time(notBefore), time(notAfter)),
        name,
        ecdsa.publicKey().publicBytes(),
        extensions);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(ecdsa.privateKey());
    s.update(tbs);
    byte[] cert = Der.seq(tbs, algorithm, Der.bits(s.sign()));
    String pem = PrivateKeyFile.Pem.encode("CERTIFICATE", Map.of(), cert);
    return new Signer(new TufKey("ecdsa-x509", pem.getBytes(StandardCharsets.US_ASCII)), ecdsa.privateKey());
  }

  /** A certificate key ("ecdsa-x509"/"rsa-x509") from PEM, as {@code delegation add} reads it. */
  public static TufKey fromPem(byte[] pem) throws IOException {
    PrivateKeyFile.Pem p = PrivateKeyFile.Pem.decode(new String(pem, StandardCharsets.US_ASCII));
    if (!p.type().equals("CERTIFICATE")) throw new IOException("a certificate PEM block, not \"" + p.type() + "\"");
    try {
      var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(p.der()));
      String type = switch (cert.getPublicKey().getAlgorithm()) {
        case "EC" -> "ecdsa-x509";
        case "RSA" -> "rsa-x509";
        default -> throw new IOException("certificate key algorithm " + cert.getPublicKey().getAlgorithm() + " is not supported");
      };
      cert.checkValidity();
      String canonical = PrivateKeyFile.Pem.encode("CERTIFICATE", Map.of(), p.der());
      return new TufKey(type, canonical.getBytes(StandardCharsets.US_ASCII));
    } catch (java.security.cert.CertificateException e) {
      throw new IOException("not a usable certificate: " + e.getMessage());
    }
  }

  /** The plain public key under a certificate key (how the private key file is named), or the key itself. */
  public static TufKey plain(TufKey k) throws GeneralSecurityException {
    if (!k.keyType().endsWith("-x509")) return k;
    try {
      return new TufKey(k.keyType().replace("-x509", ""), k.certificate().getPublicKey().getEncoded());
    } catch (dockyard.notary.tuf.TufException e) {
      throw new GeneralSecurityException(e.getMessage());
    }
  }

  private static byte[] time(Instant t) {
    var z = t.atZone(ZoneOffset.UTC);
    if (z.getYear() < 2050) return Der.tlv(Der.UTC_TIME, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII));
    return Der.tlv(Der.GENERALIZED_TIME, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII));
  }
}
