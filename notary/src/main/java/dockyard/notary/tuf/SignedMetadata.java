package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One role's metadata file: {"signed": {...}, "signatures": [{"keyid", "method", "sig"}]}. Signatures
 * cover the canonical JSON of "signed". {@link #verify} applies TUF's checks for a role: its type,
 * a threshold of valid signatures from distinct keys the role trusts, expiry, and no rollback.
 */
public record SignedMetadata(JsonNode signed, List<Sig> signatures) {
  public record Sig(String keyId, String method, byte[] sig) {}

  /**
   * What a role must satisfy: its {@code _type} ("targets" also for delegations such as
   * targets/releases, which {@code name} carries), its keys and threshold, the lowest acceptable version.
   */
  public record Role(String name, String type, Map<String, TufKey> keys, int threshold, long minVersion) {
    public Role(String type, Map<String, TufKey> keys, int threshold, long minVersion) {
      this(type, type, keys, threshold, minVersion);
    }

    /** A top-level role as the root describes it: its keys (from root.signed.keys) and threshold. */
    public static Role fromRoot(JsonNode rootSigned, String name, long minVersion) throws TufException {
      JsonNode r = rootSigned.path("roles").path(name);
      if (!r.isObject()) throw new TufException("root: no role \"" + name + "\"");
      return new Role(name, name, keys(rootSigned.path("keys"), r.path("keyids")), r.path("threshold").asInt(0), minVersion);
    }

    /** A delegated role ("targets/…") as its parent's delegation entry describes it. */
    public static Role delegated(JsonNode parentSigned, JsonNode entry, long minVersion) throws TufException {
      return new Role(entry.path("name").asText(), "targets", keys(parentSigned.path("delegations").path("keys"), entry.path("keyids")),
          entry.path("threshold").asInt(0), minVersion);
    }

    private static Map<String, TufKey> keys(JsonNode all, JsonNode ids) throws TufException {
      Map<String, TufKey> keys = new java.util.LinkedHashMap<>();
      for (JsonNode id : ids) {
        JsonNode k = all.path(id.asText());
        if (k.isObject()) keys.put(id.asText(), TufKey.fromJson(k));
      }
      return keys;
    }
  }

  public static final long MAX_BYTES = 10 << 20;

  public static SignedMetadata parse(byte[] json, String what) throws TufException {
    if (json.length > MAX_BYTES) throw new TufException(what + ": " + json.length + " bytes is over the " + MAX_BYTES + "-byte limit");
    JsonNode n;
    try {
      n = CanonicalJson.parse(json);
    } catch (IOException e) {
      throw new TufException(what + ": not JSON: " + e.getMessage());
    }
    if (!n.path("signed").isObject() || !n.path("signatures").isArray()) throw new TufException(what + ": needs \"signed\" and \"signatures\"");
    List<Sig> sigs = new ArrayList<>();
    for (JsonNode s : n.get("signatures")) {
      try {
        sigs.add(new Sig(s.path("keyid").asText(), s.path("method").asText(), Base64.getDecoder().decode(s.path("sig").asText())));
      } catch (IllegalArgumentException e) {
        throw new TufException(what + ": a signature is not base64");
      }
    }
    return new SignedMetadata(n.get("signed"), sigs);
  }

  /** Signs {@code signed} with each signer. */
  public static SignedMetadata sign(JsonNode signed, List<Signer> signers) throws GeneralSecurityException {
    byte[] msg = CanonicalJson.encode(signed);
    List<Sig> sigs = new ArrayList<>();
    for (Signer s : signers) sigs.add(new Sig(s.publicKey().id(), s.method(), s.sign(msg)));
    return new SignedMetadata(signed, sigs);
  }

  /**
   * The file as notary writes it: {"signed": canonical, "signatures": [...]}, in that order (Go's
   * struct order, not sorted). notary-server re-serializes what it loads this way before hashing
   * the snapshot into a timestamp, so any other byte layout makes its timestamp name a snapshot
   * it never stored.
   */
  public byte[] toJson() {
    ObjectNode sigs = CanonicalJson.MAPPER.createObjectNode();
    ArrayNode a = sigs.putArray("signatures");
    for (Sig s : signatures) a.addObject().put("keyid", s.keyId()).put("method", s.method()).put("sig", Base64.getEncoder().encodeToString(s.sig()));
    byte[] signedBytes = CanonicalJson.encode(signed);
    byte[] sigBytes = CanonicalJson.encode(sigs); // {"signatures":[...]}
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(signedBytes.length + sigBytes.length + 12);
    out.writeBytes("{\"signed\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(signedBytes);
    out.write(',');
    out.write(sigBytes, 1, sigBytes.length - 1);
    return out.toByteArray();
  }

  public long version() {
    return signed.path("version").asLong(-1);
  }

  /** The role's checks at time {@code now}; the message names the role and what failed. */
  public void verify(Role role, Instant now) throws TufException {
    String type = signed.path("_type").asText("");
    if (!type.equalsIgnoreCase(role.type())) throw new TufException(role.name() + ": metadata is of type \"" + type + "\"");
    byte[] msg = CanonicalJson.encode(signed);
    Set<String> valid = new HashSet<>();
    for (Sig s : signatures) {
      TufKey key = role.keys().get(s.keyId());
      if (key == null || !key.id().equals(s.keyId())) continue; // a key the role does not trust
      if (Signatures.verify(key, s.method(), s.sig(), msg)) valid.add(s.keyId());
    }
    if (role.threshold() < 1) throw new TufException(role.name() + ": threshold " + role.threshold() + " is below 1");
    if (valid.size() < role.threshold()) {
      throw new TufException(role.name() + ": " + valid.size() + " valid signature" + (valid.size() == 1 ? "" : "s") + ", threshold is " + role.threshold());
    }
    String expires = signed.path("expires").asText("");
    try {
      if (!Instant.parse(expires).isAfter(now)) throw new TufException(role.name() + ": expired at " + expires);
    } catch (DateTimeParseException e) {
      throw new TufException(role.name() + ": bad expiry \"" + expires + "\"");
    }
    long v = version();
    if (v < 1) throw new TufException(role.name() + ": version " + v + " is not positive");
    if (v < role.minVersion()) throw new TufException(role.name() + ": version " + v + " is older than the trusted " + role.minVersion() + " (rollback)");
  }
}
