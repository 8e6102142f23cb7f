package dockyard.runc;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.runc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime-side hooks as runc runs them: argv, env, stdin, errors with the hook's output, timeouts. */
class HookRunnerTest {
  @TempDir Path dir;

  private static final String STATE = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"pid\":42,\"status\":\"created\"}";

  @Test
  void argsZeroIsTheHooksArgvZeroEvenWhenItIsNotThePath() throws Exception {
    // dockerd's libnetwork-setkey hook is path=/proc/PID/exe, args[0]="libnetwork-setkey": the
    // program picks its job by argv[0]. busybox does the same with its applets.
    Path busybox = Path.of("/bin/busybox");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(busybox), "needs /bin/busybox (busybox-static)");
    Path marker = dir.resolve("touched");
    new HookRunner(dir).run(List.of(new Spec.Hook(busybox.toString(), List.of("touch", marker.toString()), null, 5)), STATE);
    assertTrue(Files.exists(marker), "busybox ran its touch applet, so argv[0] was \"touch\"");
  }

  @Test
  void theHookReadsTheStateAndGetsItsOwnArgsAndEnv() throws Exception {
    Path out = dir.resolve("out");
    String script = "echo \"$0|$1|$HOOKVAR|${HOME-unset}\" > " + out + "; cat >> " + out;
    new HookRunner(dir).run(List.of(new Spec.Hook("/bin/sh", List.of("my-hook-name", "-c", script, "first"), List.of("HOOKVAR=v"), 5)), STATE);
    // sh -c takes $0 from the argument after the script (argv[0] itself is checked above)
    assertEquals("first||v|unset\n" + STATE, Files.readString(out));
  }

  @Test
  void aFailingHookReadsAsRuncsErrorWithItsStdoutAndStderr() {
    List<Spec.Hook> hooks = List.of(
        new Spec.Hook("/bin/true", List.of("true"), List.of(), 5),
        new Spec.Hook("/bin/sh", List.of("sh", "-c", "echo to-out; echo to-err >&2; exit 3"), List.of(), 5));
    RuntimeError e = assertThrows(RuntimeError.class, () -> new HookRunner(dir).run(hooks, STATE));
    assertEquals("error running hook #1: error running hook: exit status 3, stdout: to-out\n, stderr: to-err\n", e.getMessage());
  }

  @Test
  void aHookThatCannotStartIsGosStartError() {
    Path missing = dir.resolve("no-such-hook");
    RuntimeError plain = assertThrows(RuntimeError.class,
        () -> new HookRunner(dir).run(List.of(new Spec.Hook(missing.toString(), null, null, null)), STATE));
    assertEquals("error running hook #0: fork/exec " + missing + ": no such file or directory", plain.getMessage());
    RuntimeError renamed = assertThrows(RuntimeError.class,
        () -> new HookRunner(dir).run(List.of(new Spec.Hook(missing.toString(), List.of("other-name"), null, null)), STATE));
    assertEquals("error running hook #0: fork/exec " + missing + ": no such file or directory", renamed.getMessage());
  }

  @Test
  void anExecFailureBehindTheArgvZeroTrampolineIsStillAStartError() throws Exception {
    Path notAProgram = dir.resolve("not-a-program");
    Files.write(notAProgram, new byte[] {0x7f, 'E', 'L', 'F', 0, 0, 0, 0});
    Files.setPosixFilePermissions(notAProgram, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    RuntimeError e = assertThrows(RuntimeError.class,
        () -> new HookRunner(dir).run(List.of(new Spec.Hook(notAProgram.toString(), List.of("renamed"), null, 5)), STATE));
    assertEquals("error running hook #0: fork/exec " + notAProgram + ": exec format error", e.getMessage());
  }

  @Test
  void aHookPastItsTimeoutIsKilled() {
    long t0 = System.nanoTime();
    RuntimeError e = assertThrows(RuntimeError.class,
        () -> new HookRunner(dir).run(List.of(new Spec.Hook("/bin/sleep", List.of("sleep", "30"), null, 1)), STATE));
    assertEquals("error running hook #0: hook ran past specified timeout of 1.0s", e.getMessage());
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "killed at its timeout, not waited for");
  }

  @Test
  void aHookWithoutEnvGetsTheRuntimesEnvironment() throws Exception {
    // Go's exec.Cmd with a nil Env passes the caller's environment; an empty list passes none
    Path out = dir.resolve("env");
    // (HOME: sh gives itself a PATH when it has none)
    new HookRunner(dir).run(List.of(new Spec.Hook("/bin/sh", List.of("sh", "-c", "echo \"${HOME-unset}\" > " + out), null, 5)), STATE);
    assertEquals(System.getenv().getOrDefault("HOME", "unset"), Files.readString(out).strip());
    new HookRunner(dir).run(List.of(new Spec.Hook("/bin/sh", List.of("sh", "-c", "echo \"${HOME-unset}\" > " + out), List.of(), 5)), STATE);
    assertEquals("unset", Files.readString(out).strip());
  }
}
