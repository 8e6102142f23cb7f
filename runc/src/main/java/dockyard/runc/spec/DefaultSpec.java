package dockyard.runc.spec;

import java.util.List;

/** The config.json `runc spec` writes: a shell in a read-only busybox-style rootfs with runc's defaults. */
public final class DefaultSpec {
  private DefaultSpec() {}

  /** runc's default: a cgroup namespace only where the host is cgroup v2 only. */
  public static Spec create() {
    return create(java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/cgroup.controllers")));
  }

  public static Spec create(boolean cgroupNamespace) {
    List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    Spec.Process process = new Spec.Process(
        true, null, new Spec.User(0, 0, null, null, null), List.of("sh"), null,
        List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
        "/", new Spec.Capabilities(caps, caps, null, caps, caps),
        List.of(new Spec.Rlimit("RLIMIT_NOFILE", java.math.BigInteger.valueOf(1024), java.math.BigInteger.valueOf(1024))),
        true, null, null, null);
    List<Spec.Mount> mounts = List.of(
        new Spec.Mount("/proc", "proc", "proc", null),
        new Spec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new Spec.Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new Spec.Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
        new Spec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new Spec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
        new Spec.Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
    Spec.Linux linux = new Spec.Linux(
        null, null, null,
        new Spec.Resources(List.of(new Spec.DeviceRule(false, null, null, null, "rwm")), null, null, null, null, null, null, null),
        null,
        namespaces(cgroupNamespace),
        null, null, null,
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
        null);
    return new Spec("1.0.2-dev", process, new Spec.Root("rootfs", true), "runc", null, mounts, null, null, linux);
  }


  private static List<Spec.Namespace> namespaces(boolean cgroup) {
    List<Spec.Namespace> ns = new java.util.ArrayList<>(List.of(new Spec.Namespace("pid", null), new Spec.Namespace("network", null),
        new Spec.Namespace("ipc", null), new Spec.Namespace("uts", null), new Spec.Namespace("mount", null)));
    if (cgroup) ns.add(new Spec.Namespace("cgroup", null));
    return List.copyOf(ns);
  }
}
