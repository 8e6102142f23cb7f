package dockyard.notary.tuf;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

/** A private key that signs as notary does: ed25519 ("eddsa") or ECDSA P-256 ("ecdsa", raw r||s over SHA-256). */
public record Signer(TufKey publicKey, PrivateKey privateKey) {
  /** A new ed25519 key. */
  public static Signer ed25519() throws GeneralSecurityException {
    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = kp.getPublic().getEncoded();
    return new Signer(new TufKey("ed25519", Arrays.copyOfRange(spki, spki.length - 32, spki.length)), kp.getPrivate());
  }

  /** A new ECDSA P-256 key (notary's default). */
  public static Signer ecdsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    return new Signer(new TufKey("ecdsa", kp.getPublic().getEncoded()), kp.getPrivate());
  }

  public String method() {
    return publicKey.keyType().startsWith("ecdsa") ? "ecdsa" : publicKey.keyType().equals("ed25519") ? "eddsa" : "rsapss";
  }

  public byte[] sign(byte[] message) throws GeneralSecurityException {
    Signature s = Signatures.jca(method());
    s.initSign(privateKey);
    s.update(message);
    return s.sign();
  }
}
