package dockyard.notary.tuf;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * Signature methods as notary names them: "eddsa" (ed25519), "ecdsa" (r||s of the key's size over
 * SHA-256), "rsapss" (PSS, SHA-256, 32-byte salt) and "rsapkcs1v15". RSA keys under 2048 bits are
 * refused, as notary refuses them.
 */
public final class Signatures {
  private Signatures() {}

  static Signature jca(String method) throws GeneralSecurityException {
    return switch (method) {
      case "eddsa" -> Signature.getInstance("Ed25519");
      case "ecdsa" -> Signature.getInstance("SHA256withECDSAinP1363Format");
      case "rsapss" -> {
        Signature s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        yield s;
      }
      case "rsapkcs1v15" -> Signature.getInstance("SHA256withRSA");
      default -> throw new GeneralSecurityException("unknown signature method \"" + method + "\"");
    };
  }

  /**
   * One ECDSA P-256 key generation, signature and verification with a throw-away key, for its side
   * effect: the JDK's one-time set-up of its P-256 code (class initialisation, the generator's table
   * of precomputed multiples: tens of milliseconds in a fresh JVM) then happens on the thread that
   * calls this, beside a client's first download, instead of inside its first real verification.
   */
  public static void prime() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
      g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
      java.security.KeyPair kp = g.generateKeyPair();
      Signature s = jca("ecdsa");
      s.initSign(kp.getPrivate());
      s.update(new byte[1]);
      byte[] sig = s.sign();
      s.initVerify(kp.getPublic());
      s.update(new byte[1]);
      s.verify(sig);
    } catch (GeneralSecurityException e) {
      // only a warm-up: the real verification reports any problem
    }
  }

  /** Whether {@code sig} by {@code key} with {@code method} signs {@code message}; bad input is just "no". */
  public static boolean verify(TufKey key, String method, byte[] sig, byte[] message) {
    try {
      PublicKey pk = key.javaKey();
      boolean methodFits = switch (method) {
        case "eddsa" -> key.keyType().equals("ed25519");
        case "ecdsa" -> pk instanceof ECPublicKey ec && sig.length == 2 * ((ec.getParams().getCurve().getField().getFieldSize() + 7) / 8);
        case "rsapss", "rsapkcs1v15" -> pk instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048;
        default -> false;
      };
      if (!methodFits) return false;
      Signature s = jca(method);
      s.initVerify(pk);
      s.update(message);
      return s.verify(sig);
    } catch (GeneralSecurityException | TufException | RuntimeException e) {
      return false;
    }
  }
}
