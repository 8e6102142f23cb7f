package dockyard.runc.plan;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.runc.spec.DefaultSpec;
import dockyard.runc.spec.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanCompilerTest {
  final List<String> warnings = new ArrayList<>();

  Plan compile(Spec spec, PlanCompiler.Mode mode) throws Exception {
    return new PlanCompiler(warnings).container(new PlanCompiler.ContainerRequest(
        spec, Path.of("/b"), Path.of("/b/rootfs"), mode, Path.of("/s/notify.sock"),
        mode == PlanCompiler.Mode.CREATE ? Path.of("/s/exec.fifo") : null,
        List.of(Path.of("/sys/fs/cgroup/memory/x/cgroup.procs")),
        Map.of("memory", Path.of("/sys/fs/cgroup/memory/x"), "cpu", Path.of("/sys/fs/cgroup/cpu/x")),
        null, false, null, "{\"pid\":", "}"));
  }

  @Test
  void theDefaultSpecBecomesAnOrderedPlan() throws Exception {
    Plan plan = compile(DefaultSpec.create(true), PlanCompiler.Mode.CREATE);
    assertEquals(List.of("create"), plan.all("mode").getFirst().args());
    assertEquals(List.of("/s/exec.fifo"), plan.all("fifo").getFirst().args());
    // namespaces: "network" is spelled as the helper knows it, mount comes last
    List<String> ns = plan.all("ns").stream().map(d -> d.args().getFirst()).toList();
    assertEquals(List.of("pid", "net", "ipc", "uts", "cgroup", "mount"), ns);
    List<String> dests = plan.all("mount").stream().map(d -> d.args().get(1)).toList();
    assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup",
        "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup"), dests);
    Plan.Directive sys = plan.all("mount").get(5);
    assertEquals(List.of("sysfs", "/sys", "sysfs", Long.toString(MountOptions.MS_NOSUID | MountOptions.MS_NOEXEC | MountOptions.MS_NODEV | MountOptions.MS_RDONLY), "0", ""), sys.args());
    Plan.Directive dev = plan.all("mount").get(1);
    assertEquals("mode=755,size=65536k", dev.args().get(5));
    assertTrue(plan.all("symlink").stream().anyMatch(d -> d.args().equals(List.of("pts/ptmx", "/dev/ptmx"))));
    assertEquals(6, plan.all("device").size(), "the default devices");
    assertEquals(List.of("runc"), plan.all("hostname").getFirst().args());
    assertEquals(1, plan.all("readonly-rootfs").size());
    assertEquals(10, plan.all("mask").size());
    // CAP_AUDIT_WRITE(29), CAP_KILL(5), CAP_NET_BIND_SERVICE(10)
    String mask = Long.toHexString((1L << 29) | (1L << 5) | (1L << 10));
    assertEquals(List.of(mask, mask, mask, "0", mask), plan.all("caps").getFirst().args());
    assertEquals(List.of("7", "1024", "1024"), plan.all("rlimit").getFirst().args());
    assertEquals(List.of("sh"), plan.all("args").getFirst().args());
    assertTrue(plan.all("env").getFirst().args().contains("HOME=/"));
    assertEquals(1, plan.all("no-new-privileges").size());
    assertEquals(List.of("0", "0"), plan.all("user").getFirst().args());
  }

  @Test
  void encodingLengthPrefixesEveryArgument() {
    Plan p = Plan.builder().add("mount", "a b", "", "\n", "é").build();
    assertEquals("mount 3:a b 0: 1:\n 2:é\n", new String(p.encode(), StandardCharsets.UTF_8));
  }

  @Test
  void relativeBindSourcesAreTakenFromTheBundle() throws Exception {
    Spec base = DefaultSpec.create();
    List<Spec.Mount> mounts = new ArrayList<>(base.mounts());
    mounts.add(new Spec.Mount("/data", "bind", "data", List.of("rbind", "ro", "rprivate")));
    Spec s = new Spec(base.ociVersion(), base.process(), base.root(), null, null, mounts, null, null, base.linux());
    Plan.Directive bind = compile(s, PlanCompiler.Mode.RUN).all("mount").getLast();
    assertEquals(List.of("/b/data", "/data", "bind",
        Long.toString(MountOptions.MS_BIND | MountOptions.MS_REC | MountOptions.MS_RDONLY),
        Long.toString(MountOptions.MS_PRIVATE | MountOptions.MS_REC), ""), bind.args());
  }

  @Test
  void unknownCapabilitiesAreRefused() throws Exception {
    Spec base = DefaultSpec.create();
    Spec.Process p = base.process();
    Spec s = new Spec(base.ociVersion(), new Spec.Process(false, null, p.user(), p.args(), null, p.env(), p.cwd(),
        new Spec.Capabilities(List.of("CAP_CHOWN", "CAP_FLY"), null, null, null, null), null, false, null, null, null),
        base.root(), null, null, base.mounts(), null, null, base.linux());
    var e = assertThrows(dockyard.runc.RuntimeError.class, () -> compile(s, PlanCompiler.Mode.RUN));
    assertEquals("unknown capability \"CAP_FLY\" in the bounding set", e.getMessage());
  }

  @Test
  void mountOptionsFollowMountEight() {
    MountOptions o = MountOptions.parse(List.of("ro", "rw", "nosuid", "suid", "nodev", "size=1m", "mode=0755", "rshared"));
    assertEquals(MountOptions.MS_NODEV, o.flags());
    assertEquals(MountOptions.MS_SHARED | MountOptions.MS_REC, o.propagation());
    assertEquals("size=1m,mode=0755", o.data());
    assertEquals(MountOptions.MS_SLAVE | MountOptions.MS_REC, MountOptions.rootPropagation(null));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.rootPropagation("sideways"));
  }
}
