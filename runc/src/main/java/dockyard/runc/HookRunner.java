package dockyard.runc;

import dockyard.runc.spec.Spec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the hooks that live in the runtime's namespaces (prestart, createRuntime, poststart,
 * poststop) as runc does: {@code path} is the program and {@code args} its whole argv, argv[0]
 * included; the state JSON on stdin; the hook's env only (the runtime's own when the hook has
 * none, as Go's exec does for a nil env); stdout and stderr collected for the error; the timeout
 * enforced. A failure reads as runc v1.1's:
 * {@code error running hook #0: error running hook: exit status 1, stdout: ..., stderr: ...}.
 */
final class HookRunner {
  /** Output kept per stream for the error message; a hook that floods its stderr is cut here. */
  private static final int OUTPUT_MAX = 64 << 10;
  /** How long to wait for a hook's pipes after it exited (a child it left behind may hold them). */
  private static final long DRAIN_MS = 1000;

  private final Path cacheDir;

  /** {@code cacheDir}: where the argv[0] trampoline is extracted when the runtime runs from a jar. */
  HookRunner(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  /** Runs {@code hooks} in order; the first failure stops the rest and is thrown. */
  void run(List<Spec.Hook> hooks, String stateJson) throws IOException {
    if (hooks == null) return;
    for (int i = 0; i < hooks.size(); i++) {
      String failure = runOne(hooks.get(i), stateJson);
      if (failure != null) throw new RuntimeError("error running hook #" + i + ": " + failure);
    }
  }

  /** Runs one hook; null when it succeeded, otherwise runc's description of what went wrong. */
  private String runOne(Spec.Hook h, String stateJson) throws IOException {
    if (h.path() == null || h.path().isEmpty()) return "fork/exec : no such file or directory"; // execve("") as Go reports it
    List<String> args = h.args() == null || h.args().isEmpty() ? List.of(h.path()) : h.args();
    String refused = startError(Path.of(h.path()));
    if (refused != null) return refused;
    List<String> cmd = new ArrayList<>();
    if (args.getFirst().equals(h.path())) {
      cmd.add(h.path());
    } else {
      // ProcessBuilder makes the program's path its argv[0]; the trampoline execs the path under
      // args[0] (dockerd's libnetwork-setkey hook is /proc/PID/exe run as "libnetwork-setkey").
      cmd.add(LocalHelper.hookExec(cacheDir).toString());
      cmd.add(h.path());
      cmd.add(args.getFirst());
    }
    cmd.addAll(args.subList(1, args.size()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (h.env() != null) {
      Map<String, String> env = pb.environment();
      env.clear();
      for (String e : h.env()) {
        int eq = e.indexOf('=');
        if (eq > 0) env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return "fork/exec " + h.path() + ": " + reason(e);
    }
    Collector out = new Collector(p.getInputStream());
    Collector err = new Collector(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      in.write(stateJson.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // a hook need not read its stdin (EPIPE once it exited)
    }
    try {
      boolean limited = h.timeout() != null && h.timeout() > 0;
      if (limited && !p.waitFor(h.timeout(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        return String.format(Locale.ROOT, "hook ran past specified timeout of %.1fs", (double) h.timeout());
      }
      p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    int status = p.exitValue();
    if (status == 0) return null;
    String stdout = out.text();
    String stderr = err.text();
    // the trampoline's own exec failure is a start failure, as Go's exec.Cmd reports it
    if (status == 127 && cmd.size() > 1 && stderr.startsWith("fork/exec " + h.path() + ": ") && stdout.isEmpty()) return stderr;
    return "error running hook: exit status " + status + ", stdout: " + stdout + ", stderr: " + stderr;
  }

  /** What Go's exec would refuse before running the program (as "fork/exec PATH: REASON"). */
  private static String startError(Path path) {
    if (!Files.exists(path)) return "fork/exec " + path + ": no such file or directory";
    if (Files.isDirectory(path) || !Files.isExecutable(path)) return "fork/exec " + path + ": permission denied";
    return null;
  }

  /**
   * The errno text of ProcessBuilder's failure ("Cannot run program "X": Exec failed, error: 2 (No
   * such file or directory)" in JDK 25, "error=2, No such..." before), in Go's lower case.
   */
  private static String reason(IOException e) {
    String m = String.valueOf(e.getMessage()).strip();
    var paren = java.util.regex.Pattern.compile("error: \\d+ \\(([^)]*)\\)$").matcher(m);
    var comma = java.util.regex.Pattern.compile("error=\\d+, (.*)$").matcher(m);
    String r = paren.find() ? paren.group(1) : comma.find() ? comma.group(1) : m;
    return r.isEmpty() ? r : Character.toLowerCase(r.charAt(0)) + r.substring(1);
  }

  /** Reads one of the hook's output pipes on a virtual thread, keeping the first {@link #OUTPUT_MAX} bytes. */
  private static final class Collector {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread thread;

    Collector(InputStream in) {
      thread = Thread.ofVirtual().start(() -> {
        byte[] buf = new byte[8192];
        try (in) {
          for (int n; (n = in.read(buf)) >= 0; ) {
            synchronized (bytes) {
              if (bytes.size() < OUTPUT_MAX) bytes.write(buf, 0, Math.min(n, OUTPUT_MAX - bytes.size()));
            }
          }
        } catch (IOException e) {
          // the pipe went away with the process; what was read is what there is
        }
      });
    }

    String text() {
      try {
        thread.join(DRAIN_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
