package dockyard.vpnkit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands on the host or inside a network namespace ({@code ip netns exec NAME ...}), each
 * with a timeout (the process and its descendants are killed when it runs out), collecting exit
 * code and output (stdout and stderr together).
 */
final class Ns {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** Environment variables removed from every child: a proxy would take curl away from the stack. */
  private static final List<String> PROXY_VARS = List.of("http_proxy", "https_proxy", "ftp_proxy", "all_proxy",
      "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "ALL_PROXY", "NO_PROXY");

  /** One finished (or killed) command. */
  record Result(List<String> command, int code, boolean timedOut, String output) {
    boolean ok() {
      return code == 0 && !timedOut;
    }

    @Override
    public String toString() {
      return "`" + String.join(" ", command) + "` " + (timedOut ? "timed out" : "exited " + code)
          + "; output:\n" + output;
    }
  }

  final String name;

  Ns(String name) {
    this.name = name;
  }

  /** Runs {@code cmd} inside this namespace with the default timeout. */
  Result exec(String... cmd) {
    return exec(DEFAULT_TIMEOUT, cmd);
  }

  /** Runs {@code cmd} inside this namespace. */
  Result exec(Duration timeout, String... cmd) {
    return host(timeout, inside(cmd));
  }

  /** Runs {@code cmd} inside this namespace and fails the test (printing the output) unless it exits 0. */
  Result check(String... cmd) {
    Result r = exec(cmd);
    if (!r.ok()) {
      System.out.println(r);
      throw new AssertionError("command failed: " + r);
    }
    return r;
  }

  /** Starts {@code cmd} inside this namespace in the background, its output going to {@code log}. */
  Process start(Path log, String... cmd) throws IOException {
    return startHost(log, inside(cmd));
  }

  /** {@code sh -c script} inside the namespace. */
  Result sh(Duration timeout, String script) {
    return exec(timeout, "sh", "-c", script);
  }

  String[] inside(String... cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(Arrays.asList(cmd));
    return all.toArray(String[]::new);
  }

  // ---- host commands

  static Result host(String... cmd) {
    return host(DEFAULT_TIMEOUT, cmd);
  }

  static Result host(Duration timeout, String... cmd) {
    List<String> command = List.of(cmd);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    clean(pb.environment());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new Result(command, -1, false, "cannot start: " + e);
    }
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // nothing to do
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
    boolean finished;
    try {
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) kill(p);
      // background children may hold the pipe open: take what came within a short grace
      reader.join(Duration.ofSeconds(finished ? 5 : 2));
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      finished = false;
    }
    String output;
    synchronized (out) {
      output = out.toString(StandardCharsets.UTF_8);
    }
    return new Result(command, finished ? p.exitValue() : -1, !finished, output);
  }

  static Result checkHost(String... cmd) {
    Result r = host(cmd);
    if (!r.ok()) {
      System.out.println(r);
      throw new AssertionError("command failed: " + r);
    }
    return r;
  }

  static Process startHost(Path log, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    clean(pb.environment());
    return pb.start();
  }

  /** Kills {@code p} and everything it started. */
  static void kill(Process p) {
    if (p == null) return;
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void clean(Map<String, String> env) {
    PROXY_VARS.forEach(env::remove);
  }

  private static void drain(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (out) {
          out.write(buf, 0, n);
        }
      }
    } catch (IOException ignored) {
      // the process was killed
    }
  }

  // ---- environment

  /** The executable {@code tool} from PATH (or /usr/sbin, /sbin), or null. */
  static Path which(String tool) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) dirs.addAll(Arrays.asList(path.split(":")));
    dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, tool);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
    }
    return null;
  }

  /** True when this process's effective uid is 0. */
  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return false;
  }

  /** True when the /proc/net/tcp{,6} text shows a listening socket on {@code port} (any local address). */
  static boolean listening(String procNetTcp, int port) {
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    for (String line : procNetTcp.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) return true;
    }
    return false;
  }

  /** Waits until something in this namespace listens on TCP {@code port}. */
  boolean waitListening(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Result r = exec(Duration.ofSeconds(5), "cat", "/proc/net/tcp", "/proc/net/tcp6");
      if (listening(r.output(), port)) return true;
      Thread.sleep(100);
    }
    return false;
  }

  /** Waits until something in the host's namespace listens on TCP {@code port}. */
  static boolean waitListeningHost(int port, Duration timeout) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      StringBuilder sb = new StringBuilder();
      for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        Path p = Path.of(f);
        if (Files.exists(p)) sb.append(Files.readString(p)).append('\n');
      }
      if (listening(sb.toString(), port)) return true;
      Thread.sleep(50);
    }
    return false;
  }
}
