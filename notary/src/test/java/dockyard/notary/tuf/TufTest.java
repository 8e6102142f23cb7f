package dockyard.notary.tuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TufTest {
  static final Instant NOW = Instant.parse("2026-11-23T00:00:00Z");

  static ObjectNode targets(long version, String expires) {
    ObjectNode s = CanonicalJson.MAPPER.createObjectNode();
    s.put("_type", "Targets").put("version", version).put("expires", expires);
    s.putObject("targets").putObject("app").put("length", 5).putObject("hashes").put("sha256", "abc");
    s.putObject("delegations").putObject("keys");
    return s;
  }

  @Test
  void canonicalJsonSortsKeysAndEscapesOnlyQuoteAndBackslash() throws Exception {
    byte[] json = "{\"b\": 1, \"a\": [true, null, \"x\\\"y\\\\z\\n\\u00e9<&>\"], \"B\": {}}".getBytes(StandardCharsets.UTF_8);
    String c = new String(CanonicalJson.encode(CanonicalJson.parse(json)), StandardCharsets.UTF_8);
    assertEquals("{\"B\":{},\"a\":[true,null,\"x\\\"y\\\\z\né<&>\"],\"b\":1}", c);
    assertThrows(java.io.IOException.class, () -> CanonicalJson.parse("{\"a\":1,\"a\":2}".getBytes()), "duplicate keys are refused");
    assertThrows(IllegalArgumentException.class, () -> CanonicalJson.encode(CanonicalJson.parse("{\"a\":1.5}".getBytes())));
  }

  @Test
  void keyIdIsTheSha256OfTheCanonicalPublicKeyAsPythonComputesIt() throws Exception {
    Signer s = Signer.ed25519();
    String b64 = Base64.getEncoder().encodeToString(s.publicKey().publicBytes());
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
    Process p = new ProcessBuilder("python3", "-c", "import hashlib,json,sys; print(hashlib.sha256(json.dumps({'keytype':'ed25519',"
        + "'keyval':{'public':sys.argv[1],'private':None}},sort_keys=True,separators=(',',':')).encode()).hexdigest())", b64).start();
    String expected = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.waitFor());
    assertEquals(expected, s.publicKey().id());
    assertEquals(s.publicKey(), TufKey.fromJson(s.publicKey().toJson()), "a key survives its JSON form");
  }

  @Test
  void thresholdOfDistinctTrustedKeysExpiryAndRollback() throws Exception {
    Signer a = Signer.ecdsa(), b = Signer.ed25519(), stranger = Signer.ecdsa();
    Map<String, TufKey> keys = Map.of(a.publicKey().id(), a.publicKey(), b.publicKey().id(), b.publicKey());
    SignedMetadata.Role role = new SignedMetadata.Role("targets", keys, 2, 3);

    SignedMetadata both = SignedMetadata.sign(targets(3, "2027-01-01T00:00:00Z"), List.of(a, b));
    SignedMetadata reread = SignedMetadata.parse(both.toJson(), "targets.json");
    reread.verify(role, NOW); // 2 of 2, in date, not rolled back

    SignedMetadata one = SignedMetadata.sign(targets(3, "2027-01-01T00:00:00Z"), List.of(a, a, stranger));
    TufException t = assertThrows(TufException.class, () -> one.verify(role, NOW));
    assertEquals("targets: 1 valid signature, threshold is 2", t.getMessage(), "a repeated key counts once, a stranger not at all");

    TufException expired = assertThrows(TufException.class, () -> SignedMetadata.sign(targets(3, "2026-01-01T00:00:00Z"), List.of(a, b)).verify(role, NOW));
    assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    TufException rollback = assertThrows(TufException.class, () -> SignedMetadata.sign(targets(2, "2027-01-01T00:00:00Z"), List.of(a, b)).verify(role, NOW));
    assertTrue(rollback.getMessage().contains("rollback"), rollback.getMessage());
    TufException type = assertThrows(TufException.class, () -> both.verify(new SignedMetadata.Role("snapshot", keys, 1, 0), NOW));
    assertTrue(type.getMessage().contains("of type \"Targets\""), type.getMessage());

    // a changed hash after signing: no signature holds
    ObjectNode tampered = both.signed().deepCopy();
    ((ObjectNode) tampered.get("targets").get("app")).put("length", 6);
    TufException changed = assertThrows(TufException.class, () -> new SignedMetadata(tampered, both.signatures()).verify(role, NOW));
    assertTrue(changed.getMessage().contains("0 valid signatures"), changed.getMessage());
  }

  @Test
  void rsaPssAndPkcs1AreAcceptedFrom2048BitsOnly() throws Exception {
    for (int bits : new int[] {2048, 1024}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      var kp = g.generateKeyPair();
      TufKey key = new TufKey("rsa", kp.getPublic().getEncoded());
      byte[] msg = "message".getBytes();
      Signature pss = Signature.getInstance("RSASSA-PSS");
      pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      pss.initSign(kp.getPrivate());
      pss.update(msg);
      byte[] sig = pss.sign();
      assertEquals(bits >= 2048, Signatures.verify(key, "rsapss", sig, msg), bits + "-bit rsapss");
      assertFalse(Signatures.verify(key, "rsapss", sig, "other".getBytes()));
      assertFalse(Signatures.verify(key, "eddsa", sig, msg), "the method must fit the key");
    }
  }

  @Test
  void anEcdsaX509RootKeyVerifiesSignaturesOfItsCertificatesKey(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    run(tmp, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem");
    run(tmp, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "ec.pem", "-outform", "DER", "-out", "ec.p8");
    run(tmp, "openssl", "req", "-new", "-x509", "-key", "ec.pem", "-subj", "/CN=docker.io\\/dockyard\\/app", "-days", "3650", "-out", "cert.pem");
    TufKey root = new TufKey("ecdsa-x509", Files.readAllBytes(tmp.resolve("cert.pem")));
    assertEquals("CN=docker.io/dockyard/app", root.certificate().getSubjectX500Principal().getName());
    var priv = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(tmp.resolve("ec.p8"))));
    Signer signer = new Signer(root, priv);
    ObjectNode signed = CanonicalJson.MAPPER.createObjectNode().put("_type", "Root").put("version", 1).put("expires", "2036-01-01T00:00:00Z");
    SignedMetadata m = SignedMetadata.sign(signed, List.of(signer));
    assertEquals(64, m.signatures().getFirst().sig().length, "ecdsa signatures are r||s");
    m.verify(new SignedMetadata.Role("root", Map.of(root.id(), root), 1, 1), NOW);
    assertEquals(64, HexFormat.of().parseHex(root.id()).length * 2);
  }

  static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  @Test
  void delegationsAllowPathPrefixesAndHashPrefixesAndNestingOnlyNarrows() throws Exception {
    var all = CanonicalJson.parse("{\"paths\":[\"\"]}".getBytes());
    var rel = CanonicalJson.parse("{\"paths\":[\"rel/\",\"docs/\"]}".getBytes());
    // sha256("target") = 34a04005...; a prefix "34a0" admits it, "ff" does not
    var hashed = CanonicalJson.parse("{\"path_hash_prefixes\":[\"34a0\"]}".getBytes());
    var otherHash = CanonicalJson.parse("{\"path_hash_prefixes\":[\"ff\"]}".getBytes());
    assertTrue(Delegations.allows(all, "anything"));
    assertTrue(Delegations.allows(rel, "rel/x") && Delegations.allows(rel, "docs/y"));
    assertFalse(Delegations.allows(rel, "other"));
    assertTrue(java.util.HexFormat.of().formatHex(FileMeta.digest("SHA-256", "target".getBytes())).startsWith("34a0"));
    assertTrue(Delegations.allows(hashed, "target"));
    assertFalse(Delegations.allows(otherHash, "target"));
    assertFalse(Delegations.allows(CanonicalJson.parse("{}".getBytes()), "x"), "no paths: nothing");
    assertTrue(Delegations.allowsAll(java.util.List.of(rel, all), "rel/x"));
    assertFalse(Delegations.allowsAll(java.util.List.of(rel, all), "elsewhere"), "a child asking for all paths gets only its parent's");
  }
}
