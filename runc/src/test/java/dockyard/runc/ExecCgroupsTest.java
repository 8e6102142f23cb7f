package dockyard.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.runc.state.ContainerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runc exec --cgroup: which cgroup.procs files an exec'd process joins (on plain directories, no cgroupfs needed). */
class ExecCgroupsTest {
  @TempDir Path tmp;

  private ContainerState v1() throws IOException {
    Map<String, String> paths = new LinkedHashMap<>();
    for (String c : List.of("cpu", "cpuacct", "memory")) {
      Path d = Files.createDirectories(tmp.resolve(c).resolve("ctr"));
      Files.createFile(d.resolve("cgroup.procs"));
      paths.put(c, d.toString());
    }
    return new ContainerState("c", 1, 0, "/b", "/b/rootfs", "2026-01-01T00:00:00Z", "", paths, null);
  }

  private Path procs(String controller, String sub) {
    Path d = tmp.resolve(controller).resolve("ctr");
    return (sub.isEmpty() ? d : d.resolve(sub)).resolve("cgroup.procs");
  }

  @Test
  void noneOrSlashIsTheContainersOwnCgroup() throws IOException {
    ContainerState st = v1();
    List<Path> all = List.of(procs("cpu", ""), procs("cpuacct", ""), procs("memory", ""));
    assertEquals(all, OciRuntime.execCgroups(st, List.of()));
    assertEquals(all, OciRuntime.execCgroups(st, List.of("/")));
  }

  @Test
  void controllersNamedMoveOnlyThoseHierarchies() throws IOException {
    ContainerState st = v1();
    for (String c : List.of("memory/submem", "cpu/subcpu", "cpuacct/subcpu")) {
      Files.createDirectories(tmp.resolve(c.split("/")[0]).resolve("ctr").resolve(c.split("/")[1]));
      Files.createFile(tmp.resolve(c.split("/")[0]).resolve("ctr").resolve(c.split("/")[1]).resolve("cgroup.procs"));
    }
    assertEquals(List.of(procs("cpu", "subcpu"), procs("cpuacct", "subcpu"), procs("memory", "submem")),
        OciRuntime.execCgroups(st, List.of("memory:submem", "cpu,cpuacct:subcpu")));
    assertEquals(List.of(procs("cpu", ""), procs("cpuacct", ""), procs("memory", "submem")),
        OciRuntime.execCgroups(st, List.of("memory:/submem")));
  }

  @Test
  void refusalsUseRuncsWords() throws IOException {
    ContainerState st = v1();
    assertTrue(assertThrows(RuntimeError.class, () -> OciRuntime.execCgroups(st, List.of(".."))).getMessage()
        .contains(" .. is not a sub cgroup path"));
    assertTrue(assertThrows(RuntimeError.class, () -> OciRuntime.execCgroups(st, List.of("/../x"))).getMessage()
        .contains("is not a sub cgroup path"));
    assertTrue(assertThrows(RuntimeError.class, () -> OciRuntime.execCgroups(st, List.of("whaaat:/"))).getMessage()
        .contains("unknown controller whaaat"));
    String missing = assertThrows(RuntimeError.class, () -> OciRuntime.execCgroups(st, List.of("cpu:nonexistent"))).getMessage();
    assertTrue(missing.contains(" adding pid ") && missing.contains("/nonexistent/cgroup.procs: no such file "), missing);
  }
}
