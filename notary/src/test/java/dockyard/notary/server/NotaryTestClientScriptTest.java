package dockyard.notary.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notary's own client test script, buildscripts/testclient.py from theupdateframework/notary, run with the Debian
 * {@code notary} CLI against our server.
 *
 * <p>The script is not part of this repository: it is read at test time from a notary checkout named by the environment
 * variable {@code NOTARY_SOURCE}, or else from a git mirror of notary. It expects to live in a notary source tree, so
 * the test builds a stand-in tree: the script (with a few textual patches, each checked to apply, for Python 3 and to
 * drop a 30 s wait for a signer we do not have), {@code bin/notary} running the installed CLI, a Makefile whose
 * {@code client} target does nothing, and the {@code secure.example.com} certificate and key made with openssl.
 */
class NotaryTestClientScriptTest {
  static final String SCRIPT = "buildscripts/testclient.py";
  static final Path MIRROR = Path.of("/work/.mirror/theupdateframework+notary/repo");
  static final String HOW =
      "set NOTARY_SOURCE to a checkout of https://github.com/theupdateframework/notary (the test reads $NOTARY_SOURCE/" + SCRIPT + ")";

  @TempDir Path tmp;

  @Test
  void notarysOwnClientTestScriptPassesAgainstOurServer() throws Exception {
    for (String tool : List.of("notary", "openssl", "python3", "make", "curl"))
      Assumptions.assumeTrue(onPath(tool), tool + " is not installed; the notary client test script needs it");
    String script = upstreamScript();

    Path root = Files.createDirectories(tmp.resolve("reporoot"));
    Files.createDirectories(root.resolve("buildscripts"));
    Files.writeString(root.resolve(SCRIPT), patchForPython3(script));
    Files.createDirectories(root.resolve("bin"));
    Path notary = Files.writeString(root.resolve("bin/notary"), "#!/bin/sh\nexec notary \"$@\"\n"); // the installed CLI
    assertTrue(notary.toFile().setExecutable(true));
    Files.writeString(root.resolve("Makefile"), "client:\n\t@echo the notary client is the installed one\n");
    Path fixtures = Files.createDirectories(root.resolve("fixtures"));
    // as upstream's fixture: an RSA 2048 key in unencrypted PKCS#8 and a certificate for it with CN secure.example.com
    run(fixtures, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "365",
        "-subj", "/CN=secure.example.com", "-keyout", "secure.example.com.key", "-out", "secure.example.com.crt");
    assertTrue(Files.readString(fixtures.resolve("secure.example.com.key")).startsWith("-----BEGIN PRIVATE KEY-----"));

    Path scratch = Files.createDirectories(tmp.resolve("scratch"));
    Path log = tmp.resolve("testclient.log");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      ProcessBuilder pb = new ProcessBuilder("python3", root.resolve(SCRIPT).toString(),
          "-s", "http://127.0.0.1:" + s.port(), "-r", "example.com/dockyard/testclient")
          .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
      pb.environment().put("TMPDIR", scratch.toString()); // the script's mkdtemp/mkstemp files stay under @TempDir
      pb.environment().put("PYTHONUNBUFFERED", "1");
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail("testclient.py did not finish in 300 s:\n" + Files.readString(log));
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      System.out.println(out);
      assertEquals(0, p.exitValue(), "testclient.py failed:\n" + out);
      for (String section : List.of("---- Initializing a repo, adding a target, and pushing ----",
          "---- Listing and validating basic repo test targets ----",
          "---- Rotating the snapshot key to server and adding a delegation ----",
          "---- Publishing a target using a delegation ----",
          "---- Listing and validating delegation repo test targets ----",
          "---- Rotating root key  ----",
          "---- Ensuring we can still publish  ----"))
        assertTrue(out.contains(section), "missing \"" + section + "\" in:\n" + out);
      assertTrue(out.contains("root_rotation_test_delegation_add") && out.contains("add_delegation_test"), out);
    }
  }

  /** The script from $NOTARY_SOURCE, else from the git mirror; skips the test when neither is there. */
  static String upstreamScript() throws Exception {
    String source = System.getenv("NOTARY_SOURCE");
    if (source != null && !source.isBlank()) {
      Path p = Path.of(source).resolve(SCRIPT);
      Assumptions.assumeTrue(Files.isRegularFile(p), "NOTARY_SOURCE=" + source + " has no " + SCRIPT + "; " + HOW);
      return Files.readString(p);
    }
    Assumptions.assumeTrue(Files.isDirectory(MIRROR) && onPath("git"), "no notary source: " + HOW);
    Process p = new ProcessBuilder("git", "--git-dir=" + MIRROR, "show", "HEAD:" + SCRIPT).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assumptions.assumeTrue(p.waitFor() == 0 && !text.isEmpty(), "could not read " + SCRIPT + " from " + MIRROR + "; " + HOW);
    return text;
  }

  /** The fewest edits that let the Python 2 script run under Python 3 and not wait 30 s for a notary signer. */
  static String patchForPython3(String script) {
    // str written to files opened in binary mode
    script = replaceOnce(script, "with open(tempfile, 'wb') as handle:", "with open(tempfile, 'w') as handle:");
    script = replaceOnce(script, "successFile.write(\"OK\")", "successFile.write(b\"OK\")");
    // wait_for_server: "sleep for 30 extra seconds to wait for the server to connect to the signer"; ours signs itself
    script = replaceOnce(script, "    sleep(30)\n", "    sleep(0)\n");
    return script;
  }

  static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0,
        "upstream " + SCRIPT + " changed: expected exactly one \"" + from.strip() + "\" to patch");
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
    return false;
  }
}
