package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * Which target names a delegation may sign: those starting with one of its "paths" ("" allows
 * every name), or whose SHA-256 (hex) starts with one of its "path_hash_prefixes". A nested role
 * is held to every delegation on its way down from targets, so a child cannot widen what its
 * parent was given.
 */
public final class Delegations {
  private Delegations() {}

  public static boolean allows(JsonNode entry, String target) {
    for (JsonNode p : entry.path("paths")) if (target.startsWith(p.asText())) return true;
    JsonNode prefixes = entry.path("path_hash_prefixes");
    if (prefixes.isArray() && !prefixes.isEmpty()) {
      String hash = HexFormat.of().formatHex(FileMeta.digest("SHA-256", target.getBytes(StandardCharsets.UTF_8)));
      for (JsonNode p : prefixes) if (hash.startsWith(p.asText())) return true;
    }
    return false;
  }

  /** Whether every delegation entry on the chain (outermost first) allows {@code target}. */
  public static boolean allowsAll(List<JsonNode> chain, String target) {
    for (JsonNode e : chain) if (!allows(e, target)) return false;
    return true;
  }
}
