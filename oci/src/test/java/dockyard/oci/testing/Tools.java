package dockyard.oci.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the real tools the tests compare against (GNU tar, python3, skopeo, umoci). */
public final class Tools {
  private Tools() {}

  public record Result(int exit, String stdout, String stderr) {}

  /** The tool's path, or skips the test naming the Debian package that provides it. */
  public static String require(String tool, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) return p.toString();
    }
    Assumptions.abort(tool + " is not installed (Debian package: " + debianPackage + "); skipping this interoperability test");
    return null;
  }

  public static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs the command with a UTF-8 locale and fails the test (with its output) if it fails. */
  public static Result ok(List<String> command) throws IOException, InterruptedException {
    Result r = run(command, Map.of());
    if (r.exit != 0) throw new AssertionError(String.join(" ", command) + " exited " + r.exit + "\nstdout: " + r.stdout + "\nstderr: " + r.stderr);
    return r;
  }

  public static Result ok(String... command) throws IOException, InterruptedException {
    return ok(List.of(command));
  }

  public static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("tool-out", ".txt");
    Path err = Files.createTempFile("tool-err", ".txt");
    try {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p = pb.start();
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 300 s");
      }
      return new Result(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8), new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
