package dockyard.runc.plan;

import dockyard.runc.RuntimeError;
import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a validated config into the helper's plan: every decision (which mounts in which order,
 * which flags, which devices, which capability bits) is made here, in Java, so the C helper stays
 * a straight-line executor.
 */
public final class PlanCompiler {
  public enum Mode { CREATE, RUN, EXEC }

  /** Everything a new container's plan depends on besides its config. */
  public record ContainerRequest(
      Spec spec,
      Path bundle,
      Path rootfs,
      Mode mode,
      Path notifySocket,
      Path fifo,
      List<Path> cgroupProcs,
      Map<String, Path> cgroupDirs,
      Path consoleSocket,
      boolean detach,
      String seccompHex,
      String statePrefix,
      String stateSuffix) {}

  /** An exec into a running container whose init is {@code pid}. */
  public record ExecRequest(
      Spec container,
      Spec.Process process,
      int pid,
      Path notifySocket,
      List<Path> cgroupProcs,
      Path consoleSocket,
      boolean detach,
      String seccompHex) {}

  private static final List<String[]> DEFAULT_DEVICES = List.of(
      new String[] {"/dev/null", "1", "3"}, new String[] {"/dev/zero", "1", "5"},
      new String[] {"/dev/full", "1", "7"}, new String[] {"/dev/random", "1", "8"},
      new String[] {"/dev/urandom", "1", "9"}, new String[] {"/dev/tty", "5", "0"});

  private final List<String> warnings;
  /** remount-ro directives: {path, recursive 0|1}. */
  private final List<String[]> lateReadonly = new ArrayList<>();

  public PlanCompiler(List<String> warnings) {
    this.warnings = warnings;
  }

  public Plan container(ContainerRequest r) throws IOException {
    Spec spec = r.spec();
    Spec.Linux linux = spec.linux();
    Plan.Builder b = Plan.builder();
    b.add("mode", r.mode() == Mode.CREATE ? "create" : "run");
    if (r.notifySocket() != null) b.add("notify", r.notifySocket());
    if (r.fifo() != null) b.add("fifo", r.fifo());
    for (Path p : r.cgroupProcs()) b.add("cgroup", p);
    boolean newUserNs = false;
    for (Spec.Namespace ns : orderedNamespaces(linux.namespaces())) {
      if (ns.path() == null || ns.path().isEmpty()) {
        b.add("ns", ns.type().equals("network") ? "net" : ns.type());
        if (ns.type().equals("user")) newUserNs = true;
      } else {
        b.add("ns", ns.type().equals("network") ? "net" : ns.type(), ns.path());
      }
    }
    if (newUserNs) {
      for (Spec.IdMapping m : linux.uidMappings()) b.add("uidmap", m.containerID(), m.hostID(), m.size());
      for (Spec.IdMapping m : linux.gidMappings()) b.add("gidmap", m.containerID(), m.hostID(), m.size());
    }
    Spec.Hooks hooks = spec.hooks();
    if (hooks != null && (notEmpty(hooks.prestart()) || notEmpty(hooks.createRuntime()))) b.add("sync-hooks");
    b.add("rootfs", r.rootfs());
    b.add("rootfs-propagation", MountOptions.rootPropagation(linux.rootfsPropagation()));
    boolean devpts = false;
    boolean devMounted = false;
    if (spec.mounts() != null) {
      for (Spec.Mount m : spec.mounts()) {
        if ("/dev".equals(clean(m.destination()))) devMounted = true;
        if ("/dev/pts".equals(clean(m.destination()))) devpts = true;
        mount(b, m, r.bundle(), r.cgroupDirs());
      }
    }
    devices(b, linux.devices(), devMounted);
    if (devpts) b.add("symlink", "pts/ptmx", "/dev/ptmx");
    if (linux.sysctl() != null) linux.sysctl().forEach((k, v) -> b.add("sysctl", k, v));
    if (spec.hostname() != null && !spec.hostname().isEmpty()) b.add("hostname", spec.hostname());
    if (spec.domainname() != null && !spec.domainname().isEmpty()) b.add("domainname", spec.domainname());
    if (hooks != null) {
      hook(b, "createContainer", hooks.createContainer());
      hook(b, "startContainer", hooks.startContainer());
    }
    if (r.statePrefix() != null) b.add("state", r.statePrefix(), r.stateSuffix());
    if (linux.maskedPaths() != null) linux.maskedPaths().forEach(p -> b.add("mask", p));
    if (linux.readonlyPaths() != null) linux.readonlyPaths().forEach(p -> b.add("readonly", p));
    lateReadonly.forEach(p -> b.add("remount-ro", p[0], p[1]));
    if (spec.root().isReadonly()) b.add("readonly-rootfs");
    process(b, spec.process(), r.rootfs(), r.consoleSocket(), r.seccompHex(), true);
    if (r.detach()) b.add("detach");
    return b.build();
  }

  public Plan exec(ExecRequest r) {
    Plan.Builder b = Plan.builder();
    b.add("mode", "exec");
    if (r.notifySocket() != null) b.add("notify", r.notifySocket());
    for (Path p : r.cgroupProcs()) b.add("cgroup", p);
    List<Spec.Namespace> namespaces = r.container().linux().namespaces();
    for (Spec.Namespace ns : orderedNamespaces(namespaces)) {
      String kernelName = switch (ns.type()) {
        case "network" -> "net";
        case "mount" -> "mnt";
        default -> ns.type();
      };
      b.add("ns", ns.type().equals("network") ? "net" : ns.type(), "/proc/" + r.pid() + "/ns/" + kernelName);
    }
    process(b, r.process(), null, r.consoleSocket(), r.seccompHex(), false);
    if (r.detach()) b.add("detach");
    return b.build();
  }

  /** user first (it decides what the others may do), mount last (its /proc paths change). */
  private static List<Spec.Namespace> orderedNamespaces(List<Spec.Namespace> namespaces) {
    List<Spec.Namespace> out = new ArrayList<>();
    if (namespaces == null) return out;
    namespaces.stream().filter(n -> n.type().equals("user")).forEach(out::add);
    namespaces.stream().filter(n -> !n.type().equals("user") && !n.type().equals("mount")).forEach(out::add);
    namespaces.stream().filter(n -> n.type().equals("mount")).forEach(out::add);
    return out;
  }

  private void mount(Plan.Builder b, Spec.Mount m, Path bundle, Map<String, Path> cgroupDirs) {
    MountOptions o = MountOptions.parse(m.options());
    String type = m.type() == null ? "" : m.type();
    String source = m.source() == null ? "" : m.source();
    boolean bind = (o.flags() & MountOptions.MS_BIND) != 0 || type.equals("bind");
    long flags = o.flags() | (type.equals("bind") ? MountOptions.MS_BIND : 0);
    if (bind && !source.startsWith("/")) source = bundle.resolve(source).toAbsolutePath().normalize().toString();
    if (type.equals("cgroup") && !bind) {
      cgroupMounts(b, clean(m.destination()), flags, cgroupDirs);
      return;
    }
    if ("/dev".equals(clean(m.destination())) && (flags & MountOptions.MS_RDONLY) != 0 && !bind) {
      // A read-only /dev is mounted writable and made read-only in place once its devices and
      // links exist, as runc does.
      flags &= ~MountOptions.MS_RDONLY;
      lateReadonly.add(new String[] {"/dev", "0"});
    }
    if (o.recursiveReadonly()) lateReadonly.add(new String[] {clean(m.destination()), "1"});
    b.add("mount", source, clean(m.destination()), bind ? "bind" : type, flags, o.propagation(), o.data());
  }

  /**
   * A v1 "cgroup" mount: a tmpfs with each hierarchy's container cgroup bound into it (what runc
   * does without a private cgroup hierarchy), remounted read-only afterwards when asked.
   */
  private void cgroupMounts(Plan.Builder b, String dest, long flags, Map<String, Path> cgroupDirs) {
    long base = flags & (MountOptions.MS_NOSUID | MountOptions.MS_NODEV | MountOptions.MS_NOEXEC);
    b.add("mount", "tmpfs", dest, "tmpfs", base, 0, "mode=755");
    if (cgroupDirs.containsKey("unified") && cgroupDirs.size() == 1) {
      b.add("mount", cgroupDirs.get("unified"), dest, "bind", MountOptions.MS_BIND | flags & ~MountOptions.MS_REMOUNT, 0, "");
      return;
    }
    java.util.Set<Path> seen = new java.util.HashSet<>();
    for (Map.Entry<String, Path> e : new java.util.TreeMap<>(cgroupDirs).entrySet()) {
      if (!seen.add(e.getValue())) continue;
      String name = e.getKey().startsWith("name=") ? e.getKey().substring(5) : e.getKey();
      b.add("mount", e.getValue(), dest + "/" + name, "bind", MountOptions.MS_BIND | MountOptions.MS_REC | (flags & ~MountOptions.MS_REMOUNT), 0, "");
    }
    if ((flags & MountOptions.MS_RDONLY) != 0) {
      b.add("mount", "", dest, "", MountOptions.MS_REMOUNT | MountOptions.MS_RDONLY | base, 0, "");
    }
  }

  private void devices(Plan.Builder b, List<Spec.Device> devices, boolean devMounted) {
    java.util.Set<String> given = new java.util.HashSet<>();
    if (devices != null) {
      for (Spec.Device d : devices) {
        given.add(clean(d.path()));
        b.add("device", clean(d.path()), d.type(), d.major(), d.minor(), d.fileMode() == null ? 0666 : d.fileMode(), d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid());
      }
    }
    for (String[] d : DEFAULT_DEVICES) {
      if (!given.contains(d[0])) b.add("device", d[0], "c", d[1], d[2], 0666, 0, 0);
    }
    if (devMounted) {
      b.add("symlink", "/proc/self/fd", "/dev/fd");
      b.add("symlink", "/proc/self/fd/0", "/dev/stdin");
      b.add("symlink", "/proc/self/fd/1", "/dev/stdout");
      b.add("symlink", "/proc/self/fd/2", "/dev/stderr");
    }
  }

  private static void hook(Plan.Builder b, String phase, List<Spec.Hook> hooks) {
    if (hooks == null) return;
    for (Spec.Hook h : hooks) {
      List<String> args = h.args() == null || h.args().isEmpty() ? List.of(h.path()) : h.args();
      List<String> env = h.env() == null ? List.of() : h.env();
      b.add("hook", phase, h.path(), h.timeout() == null ? 0 : h.timeout(), args.size(), args, env.size(), env);
    }
  }

  private void process(Plan.Builder b, Spec.Process p, Path rootfs, Path consoleSocket, String seccompHex, boolean withLimits) {
    if (withLimits && p.rlimits() != null) {
      for (Spec.Rlimit rl : p.rlimits()) b.add("rlimit", Rlimits.resource(rl.type()), unsigned(rl.soft()), unsigned(rl.hard()));
    }
    if (p.oomScoreAdj() != null) b.add("oom-score-adj", p.oomScoreAdj());
    Spec.User u = p.user();
    List<Object> ids = new ArrayList<>(List.of(u.uid(), u.gid()));
    if (u.additionalGids() != null) ids.addAll(u.additionalGids());
    b.add("user", ids);
    if (u.umask() != null) b.add("umask", Integer.toOctalString(u.umask()));
    Spec.Capabilities c = p.capabilities();
    if (c != null) {
      b.add("caps", hex(CapabilitySet.mask(c.bounding(), "bounding")),
          hex(CapabilitySet.mask(c.permitted(), "permitted")),
          hex(CapabilitySet.mask(c.effective(), "effective")),
          hex(CapabilitySet.mask(c.inheritable(), "inheritable")),
          hex(CapabilitySet.mask(c.ambient(), "ambient")));
    } else {
      b.add("caps", "0", "0", "0", "0", "0");
    }
    if (p.isNoNewPrivileges()) b.add("no-new-privileges");
    if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty()) warnings.add("apparmor profile \"" + p.apparmorProfile() + "\" ignored: AppArmor is not supported");
    if (p.selinuxLabel() != null && !p.selinuxLabel().isEmpty()) warnings.add("selinux label ignored: SELinux is not supported");
    if (seccompHex != null) b.add("seccomp", seccompHex);
    if (p.isTerminal()) {
      int rows = p.consoleSize() == null ? 0 : p.consoleSize().height();
      int cols = p.consoleSize() == null ? 0 : p.consoleSize().width();
      b.add("terminal", rows, cols);
    }
    if (consoleSocket != null) b.add("console-socket", consoleSocket);
    b.add("cwd", p.cwd());
    List<String> env = new ArrayList<>(p.env() == null ? List.of() : p.env());
    if (env.stream().noneMatch(e -> e.startsWith("HOME="))) env.add("HOME=" + home(rootfs, u.uid()));
    b.add("env", env);
    b.add("args", p.args());
  }

  /** HOME from the container's /etc/passwd, as runc sets it when the config does not. */
  static String home(Path rootfs, long uid) {
    if (rootfs == null) return "/";
    try {
      for (String line : Files.readAllLines(rootfs.resolve("etc/passwd"))) {
        String[] f = line.split(":");
        if (f.length >= 6 && f[2].equals(Long.toString(uid))) return f[5].isEmpty() ? "/" : f[5];
      }
    } catch (IOException | RuntimeException e) {
      // no passwd file: "/"
    }
    return "/";
  }

  private static String unsigned(BigInteger v) {
    if (v == null) return "0";
    if (v.signum() < 0 || v.bitLength() > 64) throw new RuntimeError("rlimit value " + v + " is out of range");
    return v.toString();
  }

  private static String hex(long mask) {
    return Long.toHexString(mask);
  }

  private static String clean(String path) {
    String p = Path.of(path).normalize().toString();
    return p.isEmpty() ? "/" : p;
  }

  private static boolean notEmpty(List<?> l) {
    return l != null && !l.isEmpty();
  }
}
