package dockyard.runc;

import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the hooks that live in the runtime's namespaces (prestart, createRuntime, poststart,
 * poststop): the state JSON on stdin, the hook's own env only, and its timeout enforced.
 */
final class HookRunner {
  private HookRunner() {}

  static void run(String phase, List<Spec.Hook> hooks, String stateJson) throws IOException {
    if (hooks == null) return;
    for (Spec.Hook h : hooks) runOne(phase, h, stateJson);
  }

  private static void runOne(String phase, Spec.Hook h, String stateJson) throws IOException {
    List<String> args = h.args() == null || h.args().isEmpty() ? List.of(h.path()) : h.args();
    // ProcessBuilder runs argv[0]; the hook's path is the program and args[0] only its name, so exec
    // through the path with the rest of args appended.
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(h.path());
    cmd.addAll(args.subList(1, args.size()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
    Map<String, String> env = pb.environment();
    env.clear();
    Map<String, String> hookEnv = new HashMap<>();
    if (h.env() != null) for (String e : h.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) hookEnv.put(e.substring(0, eq), e.substring(eq + 1));
    }
    env.putAll(hookEnv);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new RuntimeError("error running hook (" + phase + ") " + h.path() + ": " + e.getMessage());
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(stateJson.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // a hook need not read its stdin
    }
    try {
      boolean done = h.timeout() != null && h.timeout() > 0 ? p.waitFor(h.timeout(), TimeUnit.SECONDS) : p.waitFor() >= Integer.MIN_VALUE;
      if (!done) {
        p.destroyForcibly();
        throw new RuntimeError("error running hook (" + phase + ") " + h.path() + ": timed out after " + h.timeout() + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new RuntimeError("error running hook (" + phase + ") " + h.path() + ": interrupted");
    }
    if (p.exitValue() != 0) throw new RuntimeError("error running hook (" + phase + ") " + h.path() + ": exit status " + p.exitValue());
  }
}
