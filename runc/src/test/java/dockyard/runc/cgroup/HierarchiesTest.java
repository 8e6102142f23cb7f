package dockyard.runc.cgroup;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HierarchiesTest {
  static final List<String> HYBRID_MOUNTINFO = List.of(
      "30 23 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw",
      "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 - cgroup cgroup rw,cpu,cpuacct",
      "34 30 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory",
      "35 30 0:31 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd",
      "36 23 0:5 / /proc rw - proc proc rw");
  static final List<String> CGROUP = List.of("4:memory:/user/me", "3:cpu,cpuacct:/", "1:name=systemd:/init", "0::/init");

  @Test
  void aHybridHostIsManagedAsV1WithEveryHierarchy() {
    Hierarchies h = Hierarchies.parse(HYBRID_MOUNTINFO, CGROUP);
    assertFalse(h.unifiedOnly());
    assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), h.v1().get("cpu"));
    assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), h.v1().get("cpuacct"));
    assertEquals(Path.of("/sys/fs/cgroup/systemd"), h.v1().get("name=systemd"));
    assertEquals(Path.of("/sys/fs/cgroup/unified"), h.unified());
    assertEquals("/user/me", h.ownV1().get("memory"));
  }

  @Test
  void cgroupsPathsResolveLikeRunc() {
    assertEquals("/c1", Hierarchies.resolve(null, "/user/me", "c1"));
    assertEquals("/a/b", Hierarchies.resolve("/a/b", "/user/me", "c1"));
    assertEquals("/user/me/a", Hierarchies.resolve("a", "/user/me", "c1"));
    assertThrows(IllegalArgumentException.class, () -> Hierarchies.resolve("system.slice:docker:c1", "/", "c1"));
  }

  @Test
  void aPureV2HostIsUnifiedOnly() {
    Hierarchies h = Hierarchies.parse(List.of("31 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw"), List.of("0::/user.slice"));
    assertTrue(h.unifiedOnly());
    assertEquals("/user.slice", h.ownUnified());
  }

  @Test
  void deviceRulesKeepOrderAndAlwaysAllowTheBasics() {
    var rules = DeviceRules.v1Lines(List.of(new dockyard.runc.spec.Spec.DeviceRule(false, null, null, null, "rwm"),
        new dockyard.runc.spec.Spec.DeviceRule(true, "c", 10L, 200L, "rwm")));
    assertEquals("deny a", rules.get(0));
    assertEquals("allow c 10:200 rwm", rules.get(1));
    assertTrue(rules.contains("allow c 1:3 rwm"));
    assertThrows(IllegalArgumentException.class, () -> DeviceRules.v1Lines(List.of(new dockyard.runc.spec.Spec.DeviceRule(true, "x", null, null, "rwm"))));
  }
}
