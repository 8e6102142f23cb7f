package dockyard.oci.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's docker-registry (distribution 2.8) on a free loopback port, storing under a directory the
 * test owns; optionally with htpasswd Basic auth. Skips the test when the package is missing.
 */
public final class LocalRegistry implements AutoCloseable {
  public static final String REGISTRY_BIN = "/usr/bin/docker-registry";

  private final Process process;
  private final String host;

  private LocalRegistry(Process process, String host) {
    this.process = process;
    this.host = host;
  }

  /** HOST:PORT, as references and the insecure-registry list name it. */
  public String host() {
    return host;
  }

  public static void assumeInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(REGISTRY_BIN)),
        REGISTRY_BIN + " is not installed (Debian package: docker-registry); skipping the registry tests");
  }

  /** Starts a registry storing under {@code dir}; {@code htpasswd} may be null for an open one. Waits until it answers. */
  public static LocalRegistry start(Path dir, Path htpasswd) throws Exception {
    assumeInstalled();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(dir);
    String config = """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
          secret: test-secret
        """.formatted(dir.resolve("data"), port);
    if (htpasswd != null) {
      config += """
          auth:
            htpasswd:
              realm: dockyard-test
              path: %s
          """.formatted(htpasswd);
    }
    Path file = dir.resolve("config.yml");
    Files.writeString(file, config);
    Process p = new ProcessBuilder(REGISTRY_BIN, "serve", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
    LocalRegistry r = new LocalRegistry(p, "127.0.0.1:" + port);
    try {
      r.waitUntilServing();
    } catch (Exception e) {
      r.close();
      throw e;
    }
    return r;
  }

  private void waitUntilServing() throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new AssertionError("docker-registry on " + host + " exited " + process.exitValue());
      try {
        int s = c.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (s == 200 || s == 401) return;
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docker-registry on " + host + " did not answer /v2/ in 30 s");
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
  }
}
