package dockyard.runc.spec;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.runc.RuntimeError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
  @Test
  void theDefaultSpecRoundTripsAndIgnoresUnknownFields() {
    String json = SpecLoader.toJson(DefaultSpec.create());
    Spec back = SpecLoader.parse(json.replaceFirst("\\{", "{\"x-vendor\": {\"a\": 1},").getBytes(StandardCharsets.UTF_8), "config.json");
    assertEquals(DefaultSpec.create(), back);
  }

  @Test
  void malformedJsonNamesTheLine() {
    RuntimeError e = assertThrows(RuntimeError.class, () -> SpecLoader.parse("{\n\"ociVersion\": 1.0.2}".getBytes(StandardCharsets.UTF_8), "config.json"));
    assertTrue(e.getMessage().startsWith("config.json: invalid JSON at line 2"), e.getMessage());
  }

  @Test
  void validationReportsEveryProblem(@TempDir Path bundle) throws Exception {
    Files.createDirectories(bundle.resolve("rootfs"));
    Spec d = DefaultSpec.create();
    Spec.Process p = d.process();
    Spec bad = new Spec("2.0.0", new Spec.Process(false, null, p.user(), java.util.List.of(), null, java.util.List.of("NOEQUALS"), "relative", null,
        java.util.List.of(new Spec.Rlimit("RLIMIT_BOGUS", null, null)), null, null, null, null), d.root(), null, null, d.mounts(), null, null, d.linux());
    RuntimeError e = assertThrows(RuntimeError.class, () -> SpecValidator.validate(bad, bundle));
    for (String want : new String[] {"ociVersion 2.0.0", "process.args", "process.cwd", "RLIMIT_BOGUS", "NOEQUALS"}) {
      assertTrue(e.getMessage().contains(want), want + " in " + e.getMessage());
    }
    assertEquals(bundle.resolve("rootfs"), SpecValidator.validate(d, bundle));
  }
}
