package dockyard.notary.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.notary.tuf.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Changes staged for the next publish, in notary's layout so either client can publish what the
 * other staged: TRUST_DIR/tuf/GUN/changelist/NANOS_UUID.change, each {"action", "role", "type",
 * "path", "data": base64}, applied in file-name order.
 */
public final class Changelist {
  /** One change: action create|update|delete; type target|delegation; data a FileMeta or delegation JSON. */
  public record Change(String action, String role, String type, String path, byte[] data) {}

  private final Path dir;

  Changelist(Path dir) {
    this.dir = dir;
  }

  public void add(Change c) throws IOException {
    Files.createDirectories(dir);
    ObjectNode n = CanonicalJson.object();
    n.put("action", c.action()).put("role", c.role()).put("type", c.type()).put("path", c.path());
    if (c.data() == null) n.putNull("data");
    else n.put("data", Base64.getEncoder().encodeToString(c.data()));
    String name = String.format("%020d_%s.change", System.currentTimeMillis() * 1_000_000 + System.nanoTime() % 1_000_000, UUID.randomUUID());
    Path tmp = dir.resolve("." + name);
    Files.write(tmp, n.toString().getBytes());
    Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public List<Change> list() throws IOException {
    if (!Files.isDirectory(dir)) return List.of();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".change") && !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    List<Change> out = new ArrayList<>();
    for (Path p : files) {
      JsonNode n;
      try {
        n = CanonicalJson.parse(Files.readAllBytes(p));
      } catch (IOException e) {
        throw new IOException("changelist file " + p + " is not JSON: " + e.getMessage());
      }
      byte[] data = n.path("data").isTextual() ? Base64.getDecoder().decode(n.get("data").asText()) : null;
      out.add(new Change(n.path("action").asText(), n.path("role").asText(), n.path("type").asText(), n.path("path").asText(), data));
    }
    return out;
  }

  /** Drops the changes at these positions of {@link #list()} ({@code reset -n}). */
  public void remove(java.util.Collection<Integer> positions) throws IOException {
    if (!Files.isDirectory(dir)) return;
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".change") && !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    for (int i : positions) {
      if (i < 0 || i >= files.size()) throw new IllegalArgumentException("no staged change #" + i + " (there are " + files.size() + ")");
    }
    for (int i : positions) Files.deleteIfExists(files.get(i));
  }

  public void clear() throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".change")).toList()) Files.delete(p);
    }
  }
}
