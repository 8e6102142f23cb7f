package dockyard.runc.cgroup;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The v2 manager against the kernel's real unified hierarchy. On this hybrid host it holds no
 * resource controllers (they are bound to v1), but creating, joining, freezing, listing and
 * removing a v2 cgroup are controller-free and work the same as on a v2-only host.
 */
@EnabledIf("available")
class CgroupV2Test {
  static boolean available() {
    return dockyard.linux.Libc.geteuid() == 0 && Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.procs"));
  }

  @Test
  void createJoinFreezeThawAndRemoveOnTheUnifiedHierarchy() throws Exception {
    Hierarchies host = Hierarchies.ofThisProcess();
    Hierarchies unifiedOnly = new Hierarchies(java.util.Map.of(), host.unified(), java.util.Map.of(), host.ownUnified());
    String id = "dy-v2-" + ProcessHandle.current().pid();
    CgroupV2 cg = new CgroupV2(unifiedOnly, "/dockyard-test/" + id, id);
    List<String> warnings = new ArrayList<>();
    cg.create(null, warnings);
    Path dir = cg.paths().get("unified");
    assertTrue(Files.isDirectory(dir), dir.toString());
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      joinFreezeThaw(cg, dir, sleeper);
    } finally {
      sleeper.destroyForcibly().waitFor();
      cg.destroy();
      Files.deleteIfExists(dir.getParent());
    }
    assertFalse(Files.exists(dir));
  }

  private static void joinFreezeThaw(CgroupV2 cg, Path dir, Process sleeper) throws Exception {
    {
      Files.writeString(cg.procsFiles().getFirst(), Long.toString(sleeper.pid()));
      assertEquals(List.of((int) sleeper.pid()), cg.pids());
      cg.freeze();
      assertTrue(cg.frozen());
      assertTrue(Files.readString(dir.resolve("cgroup.events")).contains("frozen 1"), "the kernel reports it frozen");
      cg.thaw();
      assertFalse(cg.frozen());
    }
  }

  @Test
  void limitsTheHostLacksAreWarnedAboutNotSilentlyDropped() throws Exception {
    Hierarchies host = Hierarchies.ofThisProcess();
    Hierarchies unifiedOnly = new Hierarchies(java.util.Map.of(), host.unified(), java.util.Map.of(), host.ownUnified());
    String id = "dy-v2w-" + ProcessHandle.current().pid();
    CgroupV2 cg = new CgroupV2(unifiedOnly, "/dockyard-test/" + id, id);
    List<String> warnings = new ArrayList<>();
    var resources = new dockyard.runc.spec.Spec.Resources(null,
        new dockyard.runc.spec.Spec.Memory(64L << 20, null, null, null, null, null, null, null), null,
        new dockyard.runc.spec.Spec.Pids(10), null, null, null, null);
    try {
      cg.create(resources, warnings);
      // memory and pids are v1 controllers here, so their v2 files do not exist
      assertTrue(warnings.stream().anyMatch(w -> w.contains("memory.max")), warnings.toString());
      assertTrue(warnings.stream().anyMatch(w -> w.contains("pids.max")), warnings.toString());
    } finally {
      cg.destroy();
      Files.deleteIfExists(cg.paths().get("unified").getParent());
    }
  }
}
