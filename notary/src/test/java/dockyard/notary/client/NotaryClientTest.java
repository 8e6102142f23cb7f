package dockyard.notary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.notary.keys.Certificates;
import dockyard.notary.server.NotaryServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our client against our server and against Debian's notary-server, with Debian's notary CLI
 * reading (and writing) the same repositories at every step: init, add, publish, list, lookup,
 * verify, a server-managed snapshot key, a delegation published into with an imported key, and
 * rotations of the targets, root and timestamp keys. The notary CLI also publishes from our trust
 * directory (our encrypted key files and its changelist), and we publish what it staged.
 */
class NotaryClientTest {
  @TempDir Path tmp;

  @Test
  void ourClientAgainstOurServerWithTheNotaryCliFollowing() throws Exception {
    requireTools("notary", "openssl");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      flow(URI.create("http://127.0.0.1:" + s.port()));
    }
  }

  @Test
  void ourClientAgainstDebiansNotaryServer() throws Exception {
    requireTools("notary", "notary-server", "openssl");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path cfg = tmp.resolve("server.json");
    Files.writeString(cfg, "{\"server\":{\"http_addr\":\"127.0.0.1:" + port + "\"},\"trust_service\":{\"type\":\"local\",\"key_algorithm\":\"ecdsa\"},"
        + "\"logging\":{\"level\":\"error\"},\"storage\":{\"backend\":\"memory\"}}");
    Process server = new ProcessBuilder("notary-server", "-config", cfg.toString()).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("notary-server.log").toFile()).start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + port);
      waitForHealth(uri);
      flow(uri);
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void ourClientOverTlsTrustingOnlyTheGivenCa() throws Exception {
    requireTools("notary", "notary-server", "openssl");
    Path ca = tmp.resolve("ca.crt"), caKey = tmp.resolve("ca.key"), crt = tmp.resolve("srv.crt"), key = tmp.resolve("srv.key"), csr = tmp.resolve("srv.csr");
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey.toString(), "-out", ca.toString(),
        "-subj", "/CN=dockyard test CA", "-days", "2"), tmp);
    run(List.of("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
        "-subj", "/CN=localhost"), tmp);
    Files.writeString(tmp.resolve("ext"), "subjectAltName=IP:127.0.0.1\n");
    run(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
        "-out", crt.toString(), "-days", "1", "-extfile", tmp.resolve("ext").toString()), tmp);
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path cfg = tmp.resolve("tls.json");
    Files.writeString(cfg, "{\"server\":{\"http_addr\":\"127.0.0.1:" + port + "\",\"tls_key_file\":\"" + key + "\",\"tls_cert_file\":\"" + crt + "\"},"
        + "\"trust_service\":{\"type\":\"local\",\"key_algorithm\":\"ecdsa\"},\"logging\":{\"level\":\"error\"},\"storage\":{\"backend\":\"memory\"}}");
    Process server = new ProcessBuilder("notary-server", "-config", cfg.toString()).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("notary-server-tls.log").toFile()).start();
    try {
      URI uri = URI.create("https://127.0.0.1:" + port);
      String gun = "example.com/tls";
      NotaryRemote untrusting = new NotaryRemote(uri, gun);
      for (int i = 0; i < 100; i++) {
        try {
          untrusting.metadata("root", null);
          break;
        } catch (NotaryRemote.Unreachable e) {
          Thread.sleep(100);
        } catch (IOException e) {
          assertTrue(e.getMessage().contains("give its CA with --tlscacert"), e.getMessage());
          break;
        }
      }
      NotaryRepository repo = new NotaryRepository(tmp.resolve("ours"), gun, new NotaryRemote(uri, gun, NotaryRemote.trustingCa(ca)),
          Passphrases.fixed("pw"), Clock.systemUTC(), m -> {});
      repo.init();
      repo.stageTarget("secure", "over TLS\n".getBytes(), "targets", null);
      repo.publish();
      assertTrue(run(List.of("notary", "-s", uri.toString(), "--tlscacert", ca.toString(), "-d", tmp.resolve("theirs").toString(), "list", gun), tmp)
          .contains("secure"));
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void flow(URI server) throws Exception {
    String gun = "example.com/dockyard/app";
    Path ours = tmp.resolve("ours"), theirs = tmp.resolve("theirs"), delegate = tmp.resolve("delegate");
    Path one = write("one", "first target\n"), two = write("two", "second\n"), three = write("three", "third\n");
    NotaryRepository repo = repo(ours, gun, server);

    repo.init();
    repo.stageTarget("one", Files.readAllBytes(one), "targets", null);
    repo.stageTarget("two", Files.readAllBytes(two), "targets", null);
    assertEquals(2, repo.changelist().list().size());
    repo.publish();
    assertEquals(0, repo.changelist().list().size(), "a publish clears the changelist");
    assertEquals(Set.of("one targets", "two targets"), notaryList(server, theirs, gun), "the notary CLI trusts and lists what we published");
    assertEquals(notaryList(server, theirs, gun), ourList(repo));
    String lookup = notary(server, theirs, "lookup", gun, "one").strip();
    Trusted.Target t = repo.update().target("one", List.of());
    assertEquals("one sha256:" + t.meta().sha256Hex() + " " + t.meta().length(), lookup);
    notary(server, theirs, "verify", gun, "one", "-i", one.toString(), "-q");

    // the notary CLI publishes from our trust directory: it decrypts our key files
    notary(server, ours, "add", gun, "three", three.toString());
    assertEquals(1, repo.changelist().list().size(), "the notary CLI staged into the changelist we read");
    notary(server, ours, "remove", gun, "two");
    repo.publish(); // we publish what the notary CLI staged
    assertEquals(Set.of("one targets", "three targets"), ourList(repo));
    notary(server, ours, "add", gun, "two", two.toString());
    notary(server, ours, "publish", gun);
    assertEquals(Set.of("one targets", "two targets", "three targets"), ourList(repo));

    // the snapshot key to the server, then a delegation that a second trust directory publishes into
    repo.rotate("snapshot", true);
    Path cert = tmp.resolve("releases.crt"), key = tmp.resolve("releases.key");
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
        "-out", cert.toString(), "-subj", "/CN=releases", "-days", "30"), tmp);
    repo.stageDelegation("targets/releases", List.of(Certificates.fromPem(Files.readAllBytes(cert))), List.of("releases/"), 1);
    repo.publish();
    assertTrue(notary(server, theirs, "delegation", "list", gun).contains("targets/releases"));
    NotaryRepository releases = repo(delegate, gun, server);
    releases.keys().importKey(key, "targets/releases", gun);
    releases.stageTarget("releases/v1", Files.readAllBytes(one), "targets/releases", null);
    releases.publish();
    // outside its paths: our server refuses the upload; notary-server stores it and clients drop the target
    releases.stageTarget("elsewhere", Files.readAllBytes(one), "targets/releases", null);
    try {
      releases.publish();
    } catch (IOException refused) {
      assertTrue(refused.getMessage().contains("outside the role's paths"), refused.getMessage());
    }
    releases.changelist().clear();
    assertEquals(Set.of("one targets", "two targets", "three targets", "releases/v1 targets/releases"), notaryList(server, theirs, gun));

    // rotations: targets (local), root (signed by old and new), timestamp (server); readers follow
    repo.rotate("targets", false);
    repo.rotate("root", false);
    repo.rotate("timestamp", true);
    repo.stageTarget("four", Files.readAllBytes(three), "targets", null);
    repo.publish();
    Set<String> expected = Set.of("one targets", "two targets", "three targets", "four targets", "releases/v1 targets/releases");
    assertEquals(expected, notaryList(server, theirs, gun), "the notary CLI follows our rotations");
    assertEquals(expected, ourList(repo(tmp.resolve("fresh"), gun, server)), "a fresh client of ours trusts the rotated repository");
    assertEquals(expected, ourList(releases));

    // and the notary CLI rotates root from our trust directory; we follow
    Files.writeString(tmp.resolve("yes"), "yes\n");
    runWithInput(List.of("notary", "-s", server.toString(), "-d", ours.toString(), "key", "rotate", gun, "root"), tmp.resolve("yes"));
    assertEquals(expected, ourList(releases));
  }

  private NotaryRepository repo(Path dir, String gun, URI server) {
    return new NotaryRepository(dir, gun, new NotaryRemote(server, gun), Passphrases.fixed("pw"), Clock.systemUTC(), m -> {});
  }

  static Set<String> ourList(NotaryRepository r) throws Exception {
    Set<String> out = new TreeSet<>();
    for (Trusted.Target t : r.update().targets(List.of())) out.add(t.name() + " " + t.role());
    return out;
  }

  /** "NAME ROLE" for each row of the notary CLI's list table, after checking the digest column is hex. */
  private Set<String> notaryList(URI server, Path dir, String gun) throws Exception {
    Set<String> out = new TreeSet<>();
    for (String line : notary(server, dir, "list", gun).split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length != 4 || f[0].equals("NAME") || f[0].startsWith("---")) continue;
      assertTrue(f[1].matches("[0-9a-f]{64}"), line);
      out.add(f[0] + " " + f[3]);
    }
    return out;
  }

  private String notary(URI server, Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("notary", "-s", server.toString(), "-d", dir.toString()));
    cmd.addAll(List.of(args));
    return run(cmd, tmp);
  }

  private static String run(List<String> cmd, Path dir) throws Exception {
    return runWithInput(cmd, null, dir);
  }

  private String runWithInput(List<String> cmd, Path input) throws Exception {
    return runWithInput(cmd, input, tmp);
  }

  private static String runWithInput(List<String> cmd, Path input, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    for (String r : List.of("ROOT", "TARGETS", "SNAPSHOT", "DELEGATION")) pb.environment().put("NOTARY_" + r + "_PASSPHRASE", "pw");
    if (input != null) pb.redirectInput(input.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
    return out;
  }

  private Path write(String name, String content) throws IOException {
    Path p = tmp.resolve(name + ".txt");
    Files.writeString(p, content);
    return p;
  }

  static void requireTools(String... tools) {
    for (String t : tools) {
      boolean found = false;
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) found |= Files.isExecutable(Path.of(dir, t));
      Assumptions.assumeTrue(found, t + " is not installed (Debian package " + (t.startsWith("notary") ? "notary" : t) + ")");
    }
  }

  static void waitForHealth(URI server) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < 100; i++) {
      try {
        var r = http.send(java.net.http.HttpRequest.newBuilder(server.resolve("/_notary_server/health")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("notary-server did not come up at " + server);
  }
}
