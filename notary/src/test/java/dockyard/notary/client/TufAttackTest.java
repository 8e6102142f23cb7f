package dockyard.notary.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dockyard.notary.server.NotaryServer;
import dockyard.notary.tuf.CanonicalJson;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks TUF exists for, made by a server that lies (a proxy in front of ours that rewrites
 * what it serves) and by a client that uploads bad metadata: each is refused with an error that
 * names the role and the failed check, and neither the reader's trusted cache nor the server's
 * stored metadata changes.
 */
class TufAttackTest {
  static final String GUN = "example.com/attacked";
  @TempDir Path tmp;
  NotaryServer server;
  HttpServer proxy;
  final Map<String, UnaryOperator<byte[]>> tamper = new ConcurrentHashMap<>();
  NotaryRepository publisher;
  URI direct, lying;

  @BeforeEach
  void publishARepository() throws Exception {
    server = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0));
    direct = URI.create("http://127.0.0.1:" + server.port());
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    HttpClient http = HttpClient.newHttpClient();
    proxy.createContext("/", ex -> {
      try (ex) {
        String path = ex.getRequestURI().getPath();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(direct.resolve(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        byte[] body = r.body();
        int status = r.statusCode();
        for (var t : tamper.entrySet()) {
          if (path.endsWith("/" + t.getKey()) || path.matches(".*/" + java.util.regex.Pattern.quote(t.getKey().replace(".json", "")) + "\\.[0-9a-f]{64}\\.json")) {
            body = t.getValue().apply(body);
            status = 200;
          }
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    proxy.start();
    lying = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort());
    publisher = repo(tmp.resolve("publisher"), direct, Clock.systemUTC());
    publisher.init();
    publisher.stageTarget("app", "version 1\n".getBytes(), "targets", null);
    publisher.publish();
  }

  @AfterEach
  void stop() {
    proxy.stop(0);
    server.close();
  }

  NotaryRepository repo(Path dir, URI uri, Clock clock) {
    return new NotaryRepository(dir, GUN, new NotaryRemote(uri, GUN), Passphrases.fixed("pw"), clock, m -> {});
  }

  static Map<String, String> files(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) return out;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) out.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p)));
    }
    return out;
  }

  /** The reader's update fails with a message containing {@code expected}, and its cache is as before. */
  void refused(NotaryRepository reader, Path dir, String expected) throws Exception {
    Map<String, String> before = files(dir);
    IOException e = assertThrows(IOException.class, reader::update);
    assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
    assertEquals(before, files(dir), "the trusted cache is unchanged after: " + e.getMessage());
  }

  @Test
  void aFrozenTimestampIsRefusedOnceExpired() throws Exception {
    Path dir = tmp.resolve("reader");
    repo(dir, lying, Clock.systemUTC()).update();
    NotaryRepository later = repo(dir, lying, Clock.offset(Clock.systemUTC(), Duration.ofDays(15)));
    refused(later, dir, "timestamp: expired at");
  }

  @Test
  void rolledBackTimestampAndSnapshotAreRefused() throws Exception {
    Path dir = tmp.resolve("reader");
    NotaryRepository reader = repo(dir, lying, Clock.systemUTC());
    NotaryRemote remote = new NotaryRemote(direct, GUN);
    byte[] oldTimestamp = remote.metadata("timestamp", null), oldSnapshot = remote.metadata("snapshot", null);
    publisher.stageTarget("app", "version 2\n".getBytes(), "targets", null);
    publisher.publish();
    reader.update();
    tamper.put("timestamp.json", b -> oldTimestamp);
    tamper.put("snapshot.json", b -> oldSnapshot);
    refused(reader, dir, "timestamp: version 1 is older than the trusted 2 (rollback)");
    // with no timestamp trusted (say, a cache that lost it), the old snapshot is still caught
    Files.delete(dir.resolve("tuf").resolve(GUN).resolve("metadata").resolve("timestamp.json"));
    refused(reader, dir, "snapshot: version 1 is older than the trusted 2 (rollback)");
  }

  @Test
  void aChangedTargetAndAMixedAndMatchedSnapshotAreRefused() throws Exception {
    Path dir = tmp.resolve("reader");
    NotaryRepository reader = repo(dir, lying, Clock.systemUTC());
    byte[] oldSnapshot = new NotaryRemote(direct, GUN).metadata("snapshot", null);
    Trusted t = reader.update();
    // a payload that is not the target
    TufException payload = assertThrows(TufException.class, () -> t.target("app", List.of()).meta().check("version 9\n".getBytes(), "target app"));
    assertTrue(payload.getMessage().contains("sha256 does not match"), payload.getMessage());
    publisher.stageTarget("other", "x".getBytes(), "targets", null);
    publisher.publish();
    // the server changes a target's hash and length in targets.json
    tamper.put("targets.json", b -> {
      try {
        ObjectNode n = (ObjectNode) CanonicalJson.parse(b);
        ObjectNode app = (ObjectNode) n.get("signed").get("targets").get("app");
        app.put("length", 12);
        app.with("hashes").put("sha256", java.util.Base64.getEncoder().encodeToString(new byte[32]));
        return CanonicalJson.encode(n);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    refused(reader, dir, "targets (against the role above it)");
    tamper.clear();
    // an old snapshot served where the timestamp names the new one
    tamper.put("snapshot.json", b -> oldSnapshot);
    refused(reader, dir, "snapshot (against the role above it)");
  }

  @Test
  void aRootBelowThresholdAndMalformedOrOversizedMetadataAreRefused() throws Exception {
    tamper.put("root.json", b -> {
      try {
        SignedMetadata m = SignedMetadata.parse(b, "root");
        return new SignedMetadata(m.signed(), List.of()).toJson();
      } catch (TufException e) {
        throw new IllegalStateException(e);
      }
    });
    Path fresh = tmp.resolve("fresh");
    refused(repo(fresh, lying, Clock.systemUTC()), fresh, "root: 0 valid signatures, threshold is 1");
    tamper.clear();
    Path dir = tmp.resolve("reader");
    NotaryRepository reader = repo(dir, lying, Clock.systemUTC());
    reader.update();
    tamper.put("timestamp.json", b -> "{\"signed\": not json".getBytes());
    refused(reader, dir, "timestamp: not JSON");
    tamper.put("timestamp.json", b -> new byte[11 << 20]);
    refused(reader, dir, "bytes, refused");
  }

  @Test
  void aNestedDelegationCannotSignBeyondWhatItsParentWasGiven() throws Exception {
    Signer a = Signer.ecdsa(), b = Signer.ecdsa();
    publisher.keys().save(a, "targets/a", GUN);
    publisher.keys().save(b, "targets/a/b", GUN);
    publisher.stageDelegation("targets/a", List.of(a.publicKey()), List.of("a/"), 1);
    publisher.stageDelegation("targets/a/b", List.of(b.publicKey()), List.of(""), 1); // asks for everything
    publisher.publish();
    publisher.stageTarget("a/inside", "ok".getBytes(), "targets/a/b", null);
    publisher.publish();
    publisher.stageTarget("elsewhere", "no".getBytes(), "targets/a/b", null);
    IOException e = assertThrows(IOException.class, publisher::publish);
    assertTrue(e.getMessage().contains("\"elsewhere\" is outside the role's paths"), e.getMessage());
    publisher.changelist().clear();
    Trusted t = repo(tmp.resolve("reader"), direct, Clock.systemUTC()).update();
    assertEquals(List.of("app targets", "a/inside targets/a/b"), t.targets(List.of()).stream().map(x -> x.name() + " " + x.role()).toList());
  }

  @Test
  void theServerRefusesBadUploadsAndKeepsWhatItHad() throws Exception {
    NotaryRemote remote = new NotaryRemote(direct, GUN);
    byte[] targetsBefore = remote.metadata("targets", null), snapshotBefore = remote.metadata("snapshot", null);
    SignedMetadata current = SignedMetadata.parse(targetsBefore, "targets");
    Signer targetsKey = null;
    for (var k : SignedMetadata.Role.fromRoot(SignedMetadata.parse(remote.metadata("root", null), "root").signed(), "targets", 1).keys().values()) {
      targetsKey = publisher.keys().signerFor(k);
    }
    ObjectNode rolledBack = (ObjectNode) current.signed().deepCopy(); // same version again
    rolledBack.with("targets").putObject("evil").put("length", 1).putObject("hashes").put("sha256", "AA==");
    ObjectNode expired = ((ObjectNode) current.signed().deepCopy()).put("version", current.version() + 1).put("expires", "2020-01-01T00:00:00Z");
    ObjectNode strangers = ((ObjectNode) current.signed().deepCopy()).put("version", current.version() + 1);
    Map<String, byte[]> attempts = Map.of(
        "(rollback)", SignedMetadata.sign(rolledBack, List.of(targetsKey)).toJson(),
        "targets: expired at 2020-01-01T00:00:00Z", SignedMetadata.sign(expired, List.of(targetsKey)).toJson(),
        "targets: 0 valid signatures, threshold is 1", SignedMetadata.sign(strangers, List.of(Signer.ecdsa())).toJson(),
        "not JSON", "{{{".getBytes());
    for (var a : attempts.entrySet()) {
      IOException e = assertThrows(IOException.class, () -> remote.update(Map.of("targets", a.getValue())));
      assertTrue(e.getMessage().contains(a.getKey()) && e.getMessage().contains("INVALID_UPDATE"), e.getMessage());
    }
    IOException big = assertThrows(IOException.class, () -> remote.update(Map.of("targets", new byte[21 << 20])));
    assertTrue(big.getMessage().contains("MALFORMED_UPLOAD"), big.getMessage());
    assertArrayEquals(targetsBefore, remote.metadata("targets", null), "stored targets unchanged");
    assertArrayEquals(snapshotBefore, remote.metadata("snapshot", null), "stored snapshot unchanged");
    assertEquals(List.of("app"), repo(tmp.resolve("check"), direct, Clock.systemUTC()).update().targets(List.of()).stream().map(Trusted.Target::name).toList());
  }
}
