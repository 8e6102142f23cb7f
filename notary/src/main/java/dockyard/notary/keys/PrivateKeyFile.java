package dockyard.notary.keys;

import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A private key file as notary keeps it in TRUST_DIR/private/KEYID.key: PEM "ENCRYPTED PRIVATE KEY"
 * (PKCS#8 under PBES2: PBKDF2-HMAC-SHA1 with 2048 rounds and AES-256-CBC, as notary 0.7 writes),
 * with PEM headers "role" and, for roles other than root, "gun". Reading also takes what openssl
 * writes for {@code notary key import}: "PRIVATE KEY", "EC PRIVATE KEY" and "RSA PRIVATE KEY".
 */
public record PrivateKeyFile(Signer signer, Map<String, String> headers) {
  private static final String PBES2 = "1.2.840.113549.1.5.13", PBKDF2 = "1.2.840.113549.1.5.12",
      HMAC_SHA1 = "1.2.840.113549.2.7", HMAC_SHA256 = "1.2.840.113549.2.9",
      AES128_CBC = "2.16.840.1.101.3.4.1.2", AES256_CBC = "2.16.840.1.101.3.4.1.42",
      EC = "1.2.840.10045.2.1", P256 = "1.2.840.10045.3.1.7", RSA = "1.2.840.113549.1.1.1";

  public String role() {
    return headers.getOrDefault("role", "");
  }

  public String gun() {
    return headers.getOrDefault("gun", "");
  }

  /** The key's ID as notary names the file: that of its plain (not certificate) public key. */
  public String keyId() {
    return signer.publicKey().id();
  }

  /** Reads a PEM key; {@code passphrase} is asked only when the file is encrypted. */
  public static PrivateKeyFile read(String pem, java.util.function.Supplier<char[]> passphrase) throws IOException {
    Pem p = Pem.decode(pem);
    try {
      byte[] pkcs8 = switch (p.type()) {
        case "ENCRYPTED PRIVATE KEY" -> decrypt(p.der(), passphrase.get());
        case "PRIVATE KEY" -> p.der();
        case "EC PRIVATE KEY" -> Der.seq(Der.integer(0), Der.seq(Der.oid(EC), Der.oid(P256)), Der.octets(p.der()));
        case "RSA PRIVATE KEY" -> Der.seq(Der.integer(0), Der.seq(Der.oid(RSA), Der.tlv(Der.NULL)), Der.octets(p.der()));
        default -> throw new IOException("a private key PEM block, not \"" + p.type() + "\"");
      };
      return new PrivateKeyFile(signer(pkcs8), p.headers());
    } catch (GeneralSecurityException e) {
      throw new IOException("unreadable private key: " + e.getMessage());
    }
  }

  /** Writes the key encrypted under {@code passphrase}. */
  public String write(char[] passphrase) throws IOException {
    try {
      return Pem.encode("ENCRYPTED PRIVATE KEY", headers, encrypt(pkcs8(signer), passphrase));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encrypt the key: " + e.getMessage());
    }
  }

  /** A signer from PKCS#8 DER; the public half is recovered from the file (EC) or the private key (RSA). */
  static Signer signer(byte[] pkcs8) throws IOException, GeneralSecurityException {
    Der.Node info = Der.parse(pkcs8);
    String alg = info.child(1).child(0).oid();
    switch (alg) {
      case EC -> {
        ECPrivateKey priv = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        byte[] point = null;
        for (Der.Node n : Der.parse(info.child(2).content()).children()) {
          if (n.tag() == 0xa1) point = Arrays.copyOfRange(Der.parse(n.content()).content(), 1, Der.parse(n.content()).content().length);
        }
        if (point == null || point.length < 1 || point[0] != 4) throw new IOException("the EC key carries no uncompressed public key");
        int half = (point.length - 1) / 2;
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + half)), new BigInteger(1, Arrays.copyOfRange(point, 1 + half, point.length)));
        var pub = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, priv.getParams()));
        return new Signer(new TufKey("ecdsa", pub.getEncoded()), priv);
      }
      case RSA -> {
        RSAPrivateCrtKey priv = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        var pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent()));
        return new Signer(new TufKey("rsa", pub.getEncoded()), priv);
      }
      default -> throw new IOException("key algorithm " + alg + " is not supported (ECDSA and RSA are)");
    }
  }

  /** PKCS#8 with the public point inside (SEC1's optional field), so a reader needs no curve arithmetic. */
  static byte[] pkcs8(Signer s) throws IOException {
    PrivateKey k = s.privateKey();
    if (k instanceof ECPrivateKey ec) {
      byte[] d = ec.getS().toByteArray();
      int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
      byte[] fixed = new byte[size];
      int n = Math.min(d.length, size);
      System.arraycopy(d, d.length - n, fixed, size - n, n);
      byte[] spki = s.publicKey().publicBytes();
      byte[] point = Der.parse(spki).child(1).content(); // BIT STRING: 0 unused bits, then 04||x||y
      byte[] sec1 = Der.seq(Der.integer(1), Der.octets(fixed), Der.tlv(0xa1, Der.tlv(Der.BIT_STRING, point)));
      return Der.seq(Der.integer(0), Der.seq(Der.oid(EC), Der.oid(P256)), Der.octets(sec1));
    }
    return k.getEncoded();
  }

  private static byte[] encrypt(byte[] plain, char[] passphrase) throws GeneralSecurityException {
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[8], iv = new byte[16];
    random.nextBytes(salt);
    random.nextBytes(iv);
    int rounds = 2048;
    Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
    c.init(Cipher.ENCRYPT_MODE, derive(passphrase, salt, rounds, 32, "PBKDF2WithHmacSHA1"), new IvParameterSpec(iv));
    byte[] enc = c.doFinal(plain);
    byte[] alg = Der.seq(Der.oid(PBES2), Der.seq(
        Der.seq(Der.oid(PBKDF2), Der.seq(Der.octets(salt), Der.integer(rounds))),
        Der.seq(Der.oid(AES256_CBC), Der.octets(iv))));
    return Der.seq(alg, Der.octets(enc));
  }

  private static byte[] decrypt(byte[] der, char[] passphrase) throws IOException, GeneralSecurityException {
    Der.Node info = Der.parse(der);
    Der.Node alg = info.child(0);
    if (!alg.child(0).oid().equals(PBES2)) throw new IOException("encryption scheme " + alg.child(0).oid() + " is not PBES2");
    Der.Node kdf = alg.child(1).child(0), enc = alg.child(1).child(1);
    if (!kdf.child(0).oid().equals(PBKDF2)) throw new IOException("key derivation " + kdf.child(0).oid() + " is not PBKDF2");
    List<Der.Node> p = kdf.child(1).children();
    byte[] salt = p.get(0).content();
    int rounds = p.get(1).integer().intValueExact();
    String prf = "PBKDF2WithHmacSHA1";
    for (Der.Node n : p.subList(2, p.size())) {
      if (n.tag() == Der.SEQUENCE) {
        String o = n.child(0).oid();
        if (o.equals(HMAC_SHA256)) prf = "PBKDF2WithHmacSHA256";
        else if (!o.equals(HMAC_SHA1)) throw new IOException("PBKDF2 PRF " + o + " is not supported");
      }
    }
    int keyLen = switch (enc.child(0).oid()) {
      case AES256_CBC -> 32;
      case AES128_CBC -> 16;
      default -> throw new IOException("cipher " + enc.child(0).oid() + " is not supported (AES-CBC is)");
    };
    Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
    c.init(Cipher.DECRYPT_MODE, derive(passphrase, salt, rounds, keyLen, prf), new IvParameterSpec(enc.child(1).content()));
    try {
      return c.doFinal(info.child(1).content());
    } catch (javax.crypto.BadPaddingException e) {
      throw new IOException("wrong passphrase (the key does not decrypt)");
    }
  }

  private static SecretKeySpec derive(char[] pass, byte[] salt, int rounds, int len, String prf) throws GeneralSecurityException {
    byte[] k = SecretKeyFactory.getInstance(prf).generateSecret(new PBEKeySpec(pass, salt, rounds, len * 8)).getEncoded();
    return new SecretKeySpec(k, "AES");
  }

  /** A PEM block with RFC 1421 headers ("Name: value" lines before a blank line). */
  public record Pem(String type, Map<String, String> headers, byte[] der) {
    public static Pem decode(String text) throws IOException {
      int begin = text.indexOf("-----BEGIN ");
      if (begin < 0) throw new IOException("no PEM block (\"-----BEGIN ...\") found");
      int eol = text.indexOf("-----", begin + 11);
      if (eol < 0) throw new IOException("a malformed PEM header line");
      String type = text.substring(begin + 11, eol);
      String endLine = "-----END " + type + "-----";
      int end = text.indexOf(endLine, eol);
      if (end < 0) throw new IOException("PEM block " + type + " has no END line");
      Map<String, String> headers = new LinkedHashMap<>();
      StringBuilder b64 = new StringBuilder();
      for (String line : text.substring(text.indexOf('\n', eol) + 1, end).split("\n")) {
        line = line.strip();
        int colon = line.indexOf(':');
        if (colon > 0 && b64.isEmpty()) headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        else b64.append(line);
      }
      try {
        return new Pem(type, headers, Base64.getDecoder().decode(b64.toString()));
      } catch (IllegalArgumentException e) {
        throw new IOException("PEM block " + type + " is not base64");
      }
    }

    public static String encode(String type, Map<String, String> headers, byte[] der) {
      StringBuilder s = new StringBuilder("-----BEGIN ").append(type).append("-----\n");
      new java.util.TreeMap<>(headers).forEach((k, v) -> s.append(k).append(": ").append(v).append('\n'));
      if (!headers.isEmpty()) s.append('\n');
      String b = Base64.getEncoder().encodeToString(der);
      for (int i = 0; i < b.length(); i += 64) s.append(b, i, Math.min(b.length(), i + 64)).append('\n');
      return s.append("-----END ").append(type).append("-----\n").toString();
    }
  }
}
