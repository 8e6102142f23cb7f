package dockyard.notary.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.notary.tuf.CanonicalJson;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.Signer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's `notary` CLI (the client Docker Content Trust uses) against our server, and bad uploads refused. */
class NotaryCliTest {
  @TempDir Path tmp;

  record Run(int exit, String out) {}

  Run notary(NotaryServer s, String trustDir, String... args) throws Exception {
    return notaryWithInput(s, trustDir, "", args);
  }

  Run notaryWithInput(NotaryServer s, String trustDir, String input, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("notary", "-s", "http://127.0.0.1:" + s.port(), "-d", tmp.resolve(trustDir).toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(Map.of("NOTARY_ROOT_PASSPHRASE", "root-pass", "NOTARY_TARGETS_PASSPHRASE", "targets-pass",
        "NOTARY_SNAPSHOT_PASSPHRASE", "snapshot-pass", "NOTARY_DELEGATION_PASSPHRASE", "delegation-pass"));
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(input.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    return new Run(p.exitValue(), out);
  }

  @Test
  void initAddPublishListLookupRemoveWithTheRealClient() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/notary")), "the notary CLI is not installed (Debian package notary)");
    Path t1 = Files.writeString(tmp.resolve("v1.txt"), "hello\n"), t2 = Files.writeString(tmp.resolve("v2.txt"), "two\n");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      String gun = "example.com/dockyard/app";
      assertEquals(0, notary(s, "alice", "init", gun).exit());
      assertEquals(0, notary(s, "alice", "add", gun, "v1", t1.toString()).exit());
      Run pub = notary(s, "alice", "publish", gun);
      assertEquals(0, pub.exit(), pub.out());
      Run list = notary(s, "alice", "list", gun);
      assertTrue(list.out().contains("v1") && list.out().contains("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"), list.out());
      Run lookup = notary(s, "alice", "lookup", gun, "v1");
      assertEquals("v1 sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 6", lookup.out().strip());

      assertEquals(0, notary(s, "alice", "add", gun, "v2", t2.toString()).exit());
      assertEquals(0, notary(s, "alice", "remove", gun, "v1").exit());
      assertEquals(0, notary(s, "alice", "publish", gun).exit());
      // a second client trusts the repository on first use and sees the same list
      Run bob = notary(s, "bob", "list", gun);
      assertEquals(0, bob.exit(), bob.out());
      assertTrue(bob.out().contains("v2") && !bob.out().contains("v1 "), bob.out());

      // the snapshot key moves to the server, then the root and targets keys rotate: bob follows each
      Run snap = notary(s, "alice", "key", "rotate", gun, "snapshot", "-r");
      assertEquals(0, snap.exit(), snap.out());
      assertTrue(snap.out().contains("Successfully rotated snapshot key"), snap.out());
      Path t3 = Files.writeString(tmp.resolve("v3.txt"), "three\n");
      assertEquals(0, notary(s, "alice", "add", gun, "v3", t3.toString()).exit());
      Run pub2 = notary(s, "alice", "publish", gun);
      assertEquals(0, pub2.exit(), "publish with a server-signed snapshot: " + pub2.out());
      Run root = notaryWithInput(s, "alice", "yes\n", "key", "rotate", gun, "root");
      assertTrue(root.out().contains("Successfully rotated root key"), root.out());
      Run targets = notary(s, "alice", "key", "rotate", gun, "targets");
      assertEquals(0, targets.exit(), targets.out());
      assertEquals(0, notary(s, "alice", "publish", gun).exit());
      Run bob2 = notary(s, "bob", "list", gun);
      assertEquals(0, bob2.exit(), bob2.out());
      assertTrue(bob2.out().contains("v2") && bob2.out().contains("v3"), "bob follows the rotated root: " + bob2.out());

      // a delegation: targets/releases may sign names under rel/, with a key from an openssl certificate
      Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
      run(tmp, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "d.key");
      run(tmp, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "d.key", "-out", "d.p8.pem");
      run(tmp, "openssl", "req", "-new", "-x509", "-key", "d.key", "-subj", "/CN=releases", "-days", "365", "-out", "d.crt");
      assertEquals(0, notary(s, "alice", "delegation", "add", gun, "targets/releases", tmp.resolve("d.crt").toString(), "--paths", "rel/").exit());
      assertEquals(0, notary(s, "alice", "publish", gun).exit());
      Run imp = notary(s, "alice", "key", "import", tmp.resolve("d.p8.pem").toString(), "-r", "targets/releases");
      assertEquals(0, imp.exit(), imp.out());
      assertEquals(0, notary(s, "alice", "add", gun, "rel/v4", t2.toString(), "--roles", "targets/releases").exit());
      Run pub3 = notary(s, "alice", "publish", gun);
      assertEquals(0, pub3.exit(), "publish into the delegation: " + pub3.out());
      Run bob3 = notary(s, "bob", "list", gun);
      assertTrue(bob3.out().lines().anyMatch(l -> l.startsWith("rel/v4") && l.strip().endsWith("targets/releases")), bob3.out());
    }
  }

  @Test
  void theNotaryCliPublishesOverTlsTrustingOnlyItsCa() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/notary")) && Files.isExecutable(Path.of("/usr/bin/openssl")), "notary and openssl are needed");
    run(tmp, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-subj", "/CN=dockyard test CA", "-days", "2");
    run(tmp, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost");
    Files.writeString(tmp.resolve("ext"), "subjectAltName=IP:127.0.0.1\n");
    run(tmp, "openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "ext");
    Path t1 = Files.writeString(tmp.resolve("v1.txt"), "hello\n");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0), m -> {}, Persistence.memory(),
        NotaryServer.tls(tmp.resolve("srv.crt"), tmp.resolve("srv.key")))) {
      String url = "https://127.0.0.1:" + s.port(), gun = "example.com/dockyard/tls", ca = tmp.resolve("ca.crt").toString();
      List<List<String>> steps = List.of(List.of("init", gun), List.of("add", gun, "v1", t1.toString()), List.of("publish", gun));
      for (List<String> step : steps) {
        List<String> cmd = new ArrayList<>(List.of("notary", "-s", url, "--tlscacert", ca, "-d", tmp.resolve("alice").toString()));
        cmd.addAll(step);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("NOTARY_ROOT_PASSPHRASE", "r", "NOTARY_TARGETS_PASSPHRASE", "t", "NOTARY_SNAPSHOT_PASSPHRASE", "s"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), step + ": " + out);
      }
      Process list = new ProcessBuilder("notary", "-s", url, "--tlscacert", ca, "-d", tmp.resolve("bob").toString(), "list", gun).redirectErrorStream(true).start();
      String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, list.waitFor(), out);
      assertTrue(out.lines().anyMatch(l -> l.startsWith("v1 ")), out);
      Process untrusting = new ProcessBuilder("notary", "-s", url, "-d", tmp.resolve("carol").toString(), "list", gun).redirectErrorStream(true).start();
      String refused = new String(untrusting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(untrusting.waitFor() != 0 && refused.contains("certificate"), "without the CA the client refuses the server: " + refused);
    }
  }

  static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  @Test
  void aRestartedServerKeepsItsMetadataAndKeysInTheDatabase() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/notary")), "the notary CLI is not installed (Debian package notary)");
    Path db = tmp.resolve("db/server");
    Files.createDirectories(db.getParent());
    Path t1 = Files.writeString(tmp.resolve("v1.txt"), "hello\n");
    String gun = "example.com/dockyard/kept";
    String tsKey;
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0), m -> {}, Persistence.h2(db))) {
      assertEquals(0, notary(s, "alice", "init", gun).exit());
      assertEquals(0, notary(s, "alice", "add", gun, "v1", t1.toString()).exit());
      assertEquals(0, notary(s, "alice", "publish", gun).exit());
      tsKey = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/" + gun + "/_trust/tuf/timestamp.key")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0), m -> {}, Persistence.h2(db))) {
      String again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/" + gun + "/_trust/tuf/timestamp.key")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertEquals(tsKey, again, "the same timestamp key after a restart");
      Run bob = notary(s, "bob", "list", gun);
      assertEquals(0, bob.exit(), bob.out());
      assertTrue(bob.out().contains("v1"), bob.out());
      Path t2 = Files.writeString(tmp.resolve("v2.txt"), "two\n");
      assertEquals(0, notary(s, "alice", "add", gun, "v2", t2.toString()).exit());
      Run pub = notary(s, "alice", "publish", gun);
      assertEquals(0, pub.exit(), "publishing on after a restart: " + pub.out());
    }
  }

  @Test
  void badUploadsAreRefusedAndNothingIsStored() throws Exception {
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + s.port() + "/v2/example.com/evil/_trust/tuf/";
      String tsKey = http.send(HttpRequest.newBuilder(URI.create(base + "timestamp.key")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(tsKey.contains("\"keytype\":\"ecdsa\""), tsKey);

      // a root whose signature does not hold
      Signer rootKey = Signer.ecdsa();
      var signed = CanonicalJson.object().put("_type", "Root").put("version", 1).put("expires", "2036-01-01T00:00:00Z")
          .put("consistent_snapshot", false);
      signed.putObject("keys").set(rootKey.publicKey().id(), rootKey.publicKey().toJson());
      var roles = signed.putObject("roles");
      for (String r : List.of("root", "targets", "snapshot", "timestamp")) roles.putObject(r).put("threshold", 1).putArray("keyids").add(rootKey.publicKey().id());
      SignedMetadata good = SignedMetadata.sign(signed, List.of(rootKey));
      var tampered = good.signed().deepCopy();
      ((com.fasterxml.jackson.databind.node.ObjectNode) tampered).put("version", 2);
      byte[] forged = new SignedMetadata(tampered, good.signatures()).toJson();
      HttpResponse<String> r = post(http, base, Map.of("root", forged));
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"code\":\"INVALID_UPDATE\"") && r.body().contains("0 valid signatures"), r.body());

      // an oversized or malformed upload
      HttpResponse<String> junk = http.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, junk.statusCode());
      assertTrue(junk.body().contains("MALFORMED_UPLOAD"), junk.body());

      // nothing was stored
      HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "root.json")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, get.statusCode());
      assertTrue(get.body().contains("METADATA_NOT_FOUND"), get.body());
      assertFalse(get.body().isEmpty());
    }
  }

  @Test
  void aDelegationSigningOutsideItsPathsIsRefused() throws Exception {
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + s.port() + "/v2/example.com/deleg/_trust/tuf/";
      var tsKey = dockyard.notary.tuf.TufKey.fromJson(CanonicalJson.parse(
          http.send(HttpRequest.newBuilder(URI.create(base + "timestamp.key")).build(), HttpResponse.BodyHandlers.ofByteArray()).body()));
      Signer rootKey = Signer.ecdsa(), targetsKey = Signer.ecdsa(), snapKey = Signer.ecdsa(), relKey = Signer.ecdsa();
      String exp = "2036-01-01T00:00:00Z";
      var root = CanonicalJson.object().put("_type", "Root").put("version", 1).put("expires", exp).put("consistent_snapshot", false);
      var keys = root.putObject("keys");
      var roles = root.putObject("roles");
      for (var e : Map.of("root", rootKey.publicKey(), "targets", targetsKey.publicKey(), "snapshot", snapKey.publicKey(), "timestamp", tsKey).entrySet()) {
        keys.set(e.getValue().id(), e.getValue().toJson());
        roles.putObject(e.getKey()).put("threshold", 1).putArray("keyids").add(e.getValue().id());
      }
      var targets = CanonicalJson.object().put("_type", "Targets").put("version", 1).put("expires", exp);
      targets.putObject("targets");
      var deleg = targets.putObject("delegations");
      deleg.putObject("keys").set(relKey.publicKey().id(), relKey.publicKey().toJson());
      var rel = deleg.putArray("roles").addObject().put("name", "targets/rel").put("threshold", 1);
      rel.putArray("keyids").add(relKey.publicKey().id());
      rel.putArray("paths").add("rel/");
      var snapshot = CanonicalJson.object().put("_type", "Snapshot").put("version", 1).put("expires", exp);
      byte[] rootBytes = SignedMetadata.sign(root, List.of(rootKey)).toJson(), targetsBytes = SignedMetadata.sign(targets, List.of(targetsKey)).toJson();
      var meta = snapshot.putObject("meta");
      meta.set("root", dockyard.notary.tuf.FileMeta.of(rootBytes).toJson());
      meta.set("targets", dockyard.notary.tuf.FileMeta.of(targetsBytes).toJson());
      HttpResponse<String> first = post(http, base, Map.of("root", rootBytes, "targets", targetsBytes, "snapshot", SignedMetadata.sign(snapshot, List.of(snapKey)).toJson()));
      assertEquals(200, first.statusCode(), first.body());

      var outside = CanonicalJson.object().put("_type", "Targets").put("version", 1).put("expires", exp);
      outside.putObject("targets").putObject("other/app").put("length", 1).putObject("hashes").put("sha256", "AA==");
      HttpResponse<String> r = post(http, base, Map.of("targets/rel", SignedMetadata.sign(outside, List.of(relKey)).toJson()));
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("other/app") && r.body().contains("outside the role's paths"), r.body());
      var inside = CanonicalJson.object().put("_type", "Targets").put("version", 1).put("expires", exp);
      inside.putObject("targets").putObject("rel/app").put("length", 1).putObject("hashes").put("sha256", "AA==");
      HttpResponse<String> ok = post(http, base, Map.of("targets/rel", SignedMetadata.sign(inside, List.of(relKey)).toJson()));
      assertEquals(200, ok.statusCode(), ok.body());
      HttpResponse<String> stray = post(http, base, Map.of("targets/rel", SignedMetadata.sign(inside.deepCopy().put("version", 2), List.of(targetsKey)).toJson()));
      assertEquals(400, stray.statusCode(), "signed by a key the delegation does not name: " + stray.body());
    }
  }

  static HttpResponse<String> post(HttpClient http, String url, Map<String, byte[]> files) throws Exception {
    String boundary = "dockyardboundary";
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (var f : files.entrySet()) {
      b.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + f.getKey()
          + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      b.writeBytes(f.getValue());
      b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    b.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(b.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }
}
