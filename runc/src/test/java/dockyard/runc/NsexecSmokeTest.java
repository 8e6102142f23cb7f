package dockyard.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The C helper alone, driven by hand-written plans (src/test/c/nsexec-smoke.sh: 74 checks of
 * mounts, devices, masks, capabilities, seccomp, user namespaces, exec, ptys and errors).
 */
@EnabledIf("dockyard.runc.Bundles#available")
class NsexecSmokeTest {
  @Test
  void everyCheckOfTheSmokeScriptPasses() throws Exception {
    Process p = new ProcessBuilder("bash", Path.of("src/test/c/nsexec-smoke.sh").toAbsolutePath().toString())
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor(5, TimeUnit.MINUTES);
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> text.lines().filter(l -> !l.startsWith("PASS")).reduce("", (a, b) -> a + b + "\n"));
  }
}
