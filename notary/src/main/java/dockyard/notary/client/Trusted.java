package dockyard.notary.client;

import com.fasterxml.jackson.databind.JsonNode;
import dockyard.notary.tuf.Delegations;
import dockyard.notary.tuf.FileMeta;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.TufException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A repository's metadata as one update verified it, root down: the raw bytes of each role (what
 * the snapshot's hashes are over), the parsed roles in trust order (root, timestamp, snapshot,
 * targets, then delegations breadth-first) and, for each delegated role, the parent's entry that
 * delegates to it (its paths, keys and threshold).
 */
public record Trusted(Map<String, byte[]> raw, Map<String, SignedMetadata> roles, Map<String, JsonNode> delegations) {
  /** A target and the role that signed it. */
  public record Target(String name, FileMeta meta, String role) {}

  /** A delegation as {@code delegation list} shows it. */
  public record Delegation(String name, List<String> paths, List<String> keyIds, int threshold) {}

  public Trusted {
    raw = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(raw));
    roles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(roles));
    delegations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(delegations));
  }

  public SignedMetadata root() {
    return roles.get("root");
  }

  /**
   * Every target, the first role in trust order winning a name several roles sign (as notary
   * lists); a delegated role's targets outside its paths are not trusted and left out. With
   * {@code only} non-empty, just those roles' targets.
   */
  public List<Target> targets(List<String> only) throws TufException {
    List<Target> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (var e : roles.entrySet()) {
      String role = e.getKey();
      if (!role.equals("targets") && !role.startsWith("targets/")) continue;
      if (!only.isEmpty() && !only.contains(role)) continue;
      List<JsonNode> chain = chain(role);
      for (var t = e.getValue().signed().path("targets").fields(); t.hasNext(); ) {
        var f = t.next();
        if (!Delegations.allowsAll(chain, f.getKey())) continue;
        if (!seen.add(f.getKey())) continue;
        out.add(new Target(f.getKey(), FileMeta.fromJson(f.getValue(), role + " target " + f.getKey()), role));
      }
    }
    return out;
  }

  public Target target(String name, List<String> only) throws TufException {
    for (Target t : targets(only)) if (t.name().equals(name)) return t;
    return null;
  }

  /** Every delegation the targets tree declares, whether or not its role has published metadata yet. */
  public List<Delegation> delegationList() {
    List<Delegation> out = new ArrayList<>();
    for (var e : roles.entrySet()) {
      if (!e.getKey().equals("targets") && !e.getKey().startsWith("targets/")) continue;
      for (JsonNode d : e.getValue().signed().path("delegations").path("roles")) {
        List<String> paths = new ArrayList<>(), ids = new ArrayList<>();
        d.path("paths").forEach(p -> paths.add(p.asText()));
        // shown as the plain keys' IDs, as notary lists them (a certificate's own ID differs)
        for (JsonNode k : d.path("keyids")) {
          JsonNode key = e.getValue().signed().path("delegations").path("keys").path(k.asText());
          try {
            ids.add(key.isObject() ? dockyard.notary.keys.Certificates.plain(dockyard.notary.tuf.TufKey.fromJson(key)).id() : k.asText());
          } catch (java.security.GeneralSecurityException | TufException ex) {
            ids.add(k.asText());
          }
        }
        out.add(new Delegation(d.path("name").asText(), paths, ids, d.path("threshold").asInt()));
      }
    }
    return out;
  }

  /** The delegation entries from targets down to {@code role} (none for targets itself). */
  private List<JsonNode> chain(String role) {
    List<JsonNode> out = new ArrayList<>();
    String[] parts = role.split("/");
    String name = parts[0];
    for (int i = 1; i < parts.length; i++) {
      name = name + "/" + parts[i];
      JsonNode e = delegations.get(name);
      if (e != null) out.add(e);
    }
    return out;
  }
}
