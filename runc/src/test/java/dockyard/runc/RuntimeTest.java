package dockyard.runc;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.linux.Signal;
import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers from busybox-static bundles: namespaces, pivot_root, cgroups, capabilities and
 * seccomp as the kernel applies them. Needs root (CI runs as root).
 */
@EnabledIf("dockyard.runc.Bundles#available")
class RuntimeTest {
  @TempDir Path dir;
  Path root;
  Path out;
  Path err;
  OciRuntime rt;
  final List<String> warnings = new ArrayList<>();
  final List<String> ids = new ArrayList<>();

  @BeforeEach
  void setUp() {
    root = dir.resolve("state");
    out = dir.resolve("out");
    err = dir.resolve("err");
    rt = new OciRuntime(root, new Stdio(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()),
        ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.to(err.toFile())), warnings::add);
  }

  @AfterEach
  void cleanUp() throws IOException {
    for (String id : ids) {
      try {
        rt.delete(id, true);
      } catch (RuntimeError e) {
        // already gone
      }
      assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", id)), "cgroup of " + id + " left behind; the runtime warned " + warnings);
    }
  }

  String id(String name) {
    String id = "dy-" + name + "-" + ProcessHandle.current().pid();
    ids.add(id);
    return id;
  }

  Path bundle(String name, List<String> args, UnaryOperator<Spec> edit) throws IOException {
    return Bundles.make(Files.createDirectories(dir.resolve(name)), args, edit);
  }

  String stdout() throws IOException {
    return Files.readString(out).trim();
  }

  String stderr() throws IOException {
    return Files.readString(err).trim();
  }

  @Test
  void trueAndFalseReturnTheirExitCodesAndLeaveNothingBehind() throws Exception {
    String id = id("true");
    assertEquals(0, rt.run(id, bundle("t", List.of("true"), s -> s), OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertFalse(Files.exists(root.resolve(id)), "state directory removed after run");
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids", id)), "cgroup removed after run");
    assertEquals(1, rt.run(id("false"), bundle("f", List.of("false"), s -> s), OciRuntime.CreateOptions.defaults()));
  }

  String stderrQuietly() {
    try {
      return stderr();
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void runWithKeepLeavesTheStoppedContainerForDelete() throws Exception {
    String id = id("keep");
    assertEquals(1, rt.run(id, bundle("keep", List.of("false"), s -> s), new OciRuntime.CreateOptions(null, null, false, true)));
    assertEquals("stopped", rt.state(id).status());
    assertTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/pids", id)), "cgroup kept");
    rt.delete(id, false);
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids", id)));
    assertFalse(Files.exists(root.resolve(id)));
  }

  @Test
  void theProcessIsPidOneWithTheConfiguredHostname() throws Exception {
    Path b = bundle("pid1", List.of("sh", "-c", "echo $$; hostname"), s -> Bundles.withHostname(s, "box-under-test"));
    assertEquals(0, rt.run(id("pid1"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertEquals("1\nbox-under-test", stdout());
  }

  @Test
  void aReadOnlyRootfsRefusesWrites() throws Exception {
    Path b = bundle("ro", List.of("touch", "/newfile"), s -> s);
    assertNotEquals(0, rt.run(id("ro"), b, OciRuntime.CreateOptions.defaults()));
    assertTrue(stderr().contains("Read-only file system"), stderr());
    Path rw = bundle("rw", List.of("touch", "/newfile"), s -> Bundles.withRoot(s, new Spec.Root("rootfs", false)));
    assertEquals(0, rt.run(id("rw"), rw, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertTrue(Files.exists(rw.resolve("rootfs/newfile")));
  }

  @Test
  void theMemoryLimitKillsAnAllocation() throws Exception {
    // dd fills a 64 MiB buffer; the cgroup allows 16 MiB, so the OOM killer ends it with SIGKILL.
    Spec.Resources limits = new Spec.Resources(null, new Spec.Memory(16L << 20, null, null, null, null, null, null, null), null, null, null, null, null, null);
    Path b = bundle("mem", List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"), s -> Bundles.withLinux(s, l -> l.resources(limits)));
    assertEquals(128 + Signal.SIGKILL.number(), rt.run(id("mem"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    Path ok = bundle("mem-ok", List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=4M", "count=1"), s -> Bundles.withLinux(s, l -> l.resources(limits)));
    assertEquals(0, rt.run(id("mem-ok"), ok, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
  }

  @Test
  void thePidsLimitStopsForks() throws Exception {
    Spec.Resources limits = new Spec.Resources(null, null, null, new Spec.Pids(4), null, null, null, null);
    Path b = bundle("pids", List.of("sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo spawned"),
        s -> Bundles.withLinux(s, l -> l.resources(limits)));
    rt.run(id("pids"), b, OciRuntime.CreateOptions.defaults());
    assertTrue(stderr().contains("fork"), "forks beyond pids.max fail: " + stderr());
  }

  @Test
  void droppingCapChownBlocksChown() throws Exception {
    List<String> withoutChown = List.of("CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETUID", "CAP_SETGID");
    UnaryOperator<Spec> rw = s -> Bundles.withRoot(s, new Spec.Root("rootfs", false));
    Path b = bundle("nochown", List.of("sh", "-c", "touch /tmp/f && chown 1 /tmp/f"), s -> Bundles.withCaps(rw.apply(s), withoutChown));
    assertNotEquals(0, rt.run(id("nochown"), b, OciRuntime.CreateOptions.defaults()));
    assertTrue(stderr().contains("Operation not permitted"), stderr());
    List<String> withChown = new ArrayList<>(withoutChown);
    withChown.add("CAP_CHOWN");
    Path ok = bundle("chown", List.of("sh", "-c", "touch /tmp/f && chown 1 /tmp/f"), s -> Bundles.withCaps(rw.apply(s), withChown));
    assertEquals(0, rt.run(id("chown"), ok, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
  }

  @Test
  void aSeccompRuleBlocksMkdir() throws Exception {
    Spec.Seccomp profile = new Spec.Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86_64"), null, null,
        List.of(new Spec.Syscall(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO", null, null)));
    UnaryOperator<Spec> rw = s -> Bundles.withRoot(s, new Spec.Root("rootfs", false));
    Path b = bundle("seccomp", List.of("sh", "-c", "mkdir /tmp/d"), s -> Bundles.withLinux(rw.apply(s), l -> l.seccomp(profile)));
    assertNotEquals(0, rt.run(id("seccomp"), b, OciRuntime.CreateOptions.defaults()));
    assertTrue(stderr().contains("Operation not permitted"), stderr());
    assertFalse(Files.exists(b.resolve("rootfs/tmp/d")));
  }

  @Test
  void aProfileNeedNotAllowTheRuntimesOwnCalls() throws Exception {
    // the helper's last steps (fds closed on exec) happen before the filter, as in runc
    Spec.Seccomp profile = new Spec.Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86_64"), null, null,
        List.of(new Spec.Syscall(List.of("close_range", "fcntl"), "SCMP_ACT_ERRNO", null, null)));
    Path b = bundle("seccomp-own", List.of("echo", "hi"), s -> Bundles.withLinux(s, l -> l.seccomp(profile)));
    assertEquals(0, rt.run(id("seccomp-own"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertEquals("hi", stdout());
  }

  @Test
  void onlyStdioCrossesIntoTheContainer() throws Exception {
    try (var extra = java.nio.channels.FileChannel.open(Path.of("/etc/hostname"))) {
      Path b = bundle("fds", List.of("ls", "/proc/self/fd"), s -> s);
      assertEquals(0, rt.run(id("fds"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
      // 0 1 2 and the directory ls itself opened
      assertEquals(List.of("0", "1", "2", "3"), List.of(stdout().split("\\s+")));
    }
  }

  @Test
  void aReadOnlyDevKeepsItsDevicesAndFlagsAndRroIsRecursive() throws Exception {
    Path vol = Files.createDirectories(dir.resolve("vol"));
    Path sub = Files.createDirectories(vol.resolve("sub"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", sub.toString()).inheritIO().start();
    assertEquals(0, mount.waitFor());
    try {
      Path b = bundle("rodev", List.of("sh", "-c",
          "cat /dev/null && grep ' /dev ' /proc/self/mountinfo | head -1; touch /dev/x || echo dev-ro; touch /mnt/sub/f || echo sub-ro"),
          s -> {
            List<Spec.Mount> mounts = new ArrayList<>();
            for (Spec.Mount m : s.mounts()) {
              if (m.destination().equals("/dev")) {
                List<String> o = new ArrayList<>(m.options());
                o.add("ro");
                mounts.add(new Spec.Mount("/dev", m.type(), m.source(), o));
              } else {
                mounts.add(m);
              }
            }
            mounts.add(new Spec.Mount("/mnt", "bind", vol.toString(), List.of("rbind", "rro")));
            return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), mounts, s.hooks(), s.annotations(), s.linux());
          });
      Files.createDirectories(b.resolve("rootfs/mnt"));
      assertEquals(0, rt.run(id("rodev"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
      String[] lines = stdout().split("\n");
      assertTrue(lines[0].contains(" ro,") && lines[0].contains("nosuid"), "/dev read-only in place, nosuid kept: " + lines[0]);
      assertEquals("dev-ro", lines[1]);
      assertEquals("sub-ro", lines[2], "rro reaches the submount");
    } finally {
      new ProcessBuilder("umount", sub.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void aFrozenPreexistingCgroupIsRefusedAndLeftAlone() throws Exception {
    String name = "dy-frozen-" + ProcessHandle.current().pid();
    Path freezer = Files.createDirectories(Path.of("/sys/fs/cgroup/freezer", name));
    try {
      Files.writeString(freezer.resolve("freezer.state"), "FROZEN");
      Path b = bundle("frozen", List.of("true"), s -> {
        Spec.Linux l = s.linux();
        return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(), s.hooks(), s.annotations(),
            new Spec.Linux(l.uidMappings(), l.gidMappings(), l.sysctl(), l.resources(), "/" + name, l.namespaces(), l.devices(),
                l.seccomp(), l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel()));
      });
      String id = id("frozen");
      RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(id, b, OciRuntime.CreateOptions.defaults()));
      assertTrue(e.getMessage().contains("unexpectedly frozen"), e.getMessage());
      assertTrue(Files.isDirectory(freezer), "a cgroup the runtime did not create is not removed");
      assertFalse(Files.exists(root.resolve(id)));
    } finally {
      Files.writeString(freezer.resolve("freezer.state"), "THAWED");
      Files.deleteIfExists(freezer);
    }
  }

  @Test
  void createStartStateKillDeleteLifecycle() throws Exception {
    String id = id("life");
    Path b = bundle("life", List.of("sleep", "60"), s -> s);
    Path pidFile = dir.resolve("pid");
    rt.create(id, b, new OciRuntime.CreateOptions(null, pidFile, false));
    OciState created = rt.state(id);
    assertEquals("created", created.status());
    assertEquals(id, created.id());
    assertEquals(b.toAbsolutePath().normalize().toString(), created.bundle());
    assertTrue(created.pid() > 0);
    assertEquals(Integer.toString(created.pid()), Files.readString(pidFile));
    assertEquals("1.0.2", created.ociVersion());
    RuntimeError twice = assertThrows(RuntimeError.class, () -> rt.create(id, b, OciRuntime.CreateOptions.defaults()));
    assertEquals("container with id exists: " + id, twice.getMessage());
    RuntimeError notStopped = assertThrows(RuntimeError.class, () -> rt.delete(id, false));
    assertEquals("cannot delete container " + id + " that is not stopped: created", notStopped.getMessage());
    rt.start(id);
    assertEquals("running", rt.state(id).status());
    assertEquals("cannot start an already running container", assertThrows(RuntimeError.class, () -> rt.start(id)).getMessage());
    assertEquals(List.of(created.pid()), rt.ps(id));
    var stats = rt.stats(id);
    assertEquals("stats", stats.get("type"));
    String data = dockyard.runc.spec.SpecLoader.toCompactJson(stats.get("data"));
    assertTrue(data.contains("\"pids\":{") && data.contains("\"current\":1"), data);
    assertTrue(data.contains("\"memory\":{"), data);
    rt.update(id, new Spec.Resources(null, new Spec.Memory(64L << 20, null, null, null, null, null, null, null), null,
        new Spec.Pids(42), null, null, null, null));
    assertEquals("42", Files.readString(Path.of("/sys/fs/cgroup/pids", id, "pids.max")).trim());
    assertEquals(Long.toString(64L << 20), Files.readString(Path.of("/sys/fs/cgroup/memory", id, "memory.limit_in_bytes")).trim());
    assertEquals(42, rt.store().load(id).config().linux().resources().pids().limit(), "the update is remembered");
    // dockerd and containerd send the whole resources object, zeros meaning "unchanged" (as in runc)
    String cpuShares = Files.readString(Path.of("/sys/fs/cgroup/cpu", id, "cpu.shares")).trim();
    rt.update(id, dockyard.runc.spec.SpecLoader.mapper().readValue("""
        {"memory":{"limit":134217728,"reservation":0,"swap":268435456,"kernel":0,"kernelTCP":0},
         "cpu":{"shares":0,"quota":0,"period":0,"realtimeRuntime":0,"realtimePeriod":0,"cpus":"","mems":""},
         "blockIO":{"weight":0},"pids":{"limit":0}}""", Spec.Resources.class));
    assertEquals(Long.toString(128L << 20), Files.readString(Path.of("/sys/fs/cgroup/memory", id, "memory.limit_in_bytes")).trim());
    assertEquals("42", Files.readString(Path.of("/sys/fs/cgroup/pids", id, "pids.max")).trim(), "pids limit 0 leaves it");
    assertEquals(cpuShares, Files.readString(Path.of("/sys/fs/cgroup/cpu", id, "cpu.shares")).trim(), "cpu shares 0 leaves them");
    assertEquals(42, rt.store().load(id).config().linux().resources().pids().limit(), "zeros are not remembered either");
    assertEquals(128L << 20, rt.store().load(id).config().linux().resources().memory().limit());
    rt.pause(id);
    assertEquals("paused", rt.state(id).status());
    rt.resume(id);
    assertEquals("running", rt.state(id).status());
    RuntimeError busy = assertThrows(RuntimeError.class, () -> rt.delete(id, false));
    assertTrue(busy.getMessage().contains("not stopped: running"), busy.getMessage());
    rt.kill(id, Signal.SIGKILL.number(), false);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!rt.state(id).status().equals("stopped") && System.nanoTime() < deadline) Thread.sleep(5);
    assertEquals("stopped", rt.state(id).status());
    assertEquals(created.pid(), rt.state(id).pid(), "a stopped container keeps its pid in the state, as in runc");
    rt.delete(id, false);
    assertEquals("container does not exist", assertThrows(RuntimeError.class, () -> rt.state(id)).getMessage());
    assertFalse(Files.exists(root.resolve(id)));
  }

  @Test
  void aUserNamespacedContainerIsCreatedAndStarted() throws Exception {
    // The exec fifo belongs to host root; the container's root is host uid 100000 here.
    String id = id("userns");
    // the mapped root is an ordinary host user: it must be able to reach the bundle
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path b = bundle("userns", List.of("sh", "-c", "id -u; cat /proc/self/uid_map"), s -> Bundles.withLinux(s, l -> {
      List<Spec.Namespace> ns = new ArrayList<>(l.namespaces());
      ns.add(new Spec.Namespace("user", null));
      return l.namespaces(ns).maps(List.of(new Spec.IdMapping(0, 100000, 65536)));
    }));
    rt.create(id, b, OciRuntime.CreateOptions.defaults());
    assertEquals("created", rt.state(id).status());
    rt.start(id);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!rt.state(id).status().equals("stopped") && System.nanoTime() < deadline) Thread.sleep(5);
    String[] lines = stdout().split("\n");
    assertEquals("0", lines[0], stderrQuietly());
    assertEquals(List.of("0", "100000", "65536"), List.of(lines[1].trim().split("\\s+")));
    rt.delete(id, false);
  }

  @Test
  void execRunsInTheContainersNamespaces() throws Exception {
    String id = id("exec");
    Path b = bundle("exec", List.of("sleep", "60"), s -> Bundles.withHostname(s, "exec-box"));
    assertEquals(0, rt.run(id, b, new OciRuntime.CreateOptions(null, null, true)));
    assertEquals("running", rt.state(id).status());
    Spec.Process base = rt.store().load(id).config().process();
    Spec.Process p = new Spec.Process(false, null, base.user(), List.of("sh", "-c", "hostname; echo $$; cat /proc/1/cmdline; exit 3"), null,
        base.env(), "/", base.capabilities(), null, null, null, null, null);
    assertEquals(3, rt.exec(id, new OciRuntime.ExecOptions(p, null, null, false)), this::stderrQuietly);
    String[] lines = stdout().split("\n");
    assertEquals("exec-box", lines[0]);
    assertNotEquals("1", lines[1], "exec'd process is not the init");
    assertTrue(lines[2].startsWith("sleep"), lines[2]);
    rt.delete(id, true);
    assertFalse(Files.exists(root.resolve(id)));
  }

  @Test
  void hooksSeeTheStateOnStdin() throws Exception {
    String id = id("hooks");
    Path log = dir.resolve("hooks.log");
    Spec.Hook record = new Spec.Hook("/bin/sh", List.of("sh", "-c", "cat >> " + log + "; echo >> " + log), null, 5);
    Path b = bundle("hooks", List.of("true"), s -> Bundles.withHooks(s, new Spec.Hooks(null, List.of(record), null, null, List.of(record), List.of(record))));
    assertEquals(0, rt.run(id, b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    List<String> lines = Files.readAllLines(log);
    assertEquals(3, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("\"status\":\"created\"") && lines.get(0).contains("\"id\":\"" + id + "\""), lines.get(0));
    assertTrue(lines.get(1).contains("\"status\":\"running\""), lines.get(1));
    assertTrue(lines.get(2).contains("\"status\":\"stopped\""), lines.get(2));
  }

  @Test
  void aFailingPrestartHookFailsTheCreateWithItsStderrAndLeavesNothing() throws Exception {
    String id = id("hookfail");
    Spec.Hook bad = new Spec.Hook("/bin/sh", List.of("sh", "-c", "echo setkey failed >&2; exit 1"), null, 5);
    Path b = bundle("hookfail", List.of("true"), s -> Bundles.withHooks(s, new Spec.Hooks(List.of(bad), null, null, null, null, null)));
    RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(id, b, OciRuntime.CreateOptions.defaults()));
    assertEquals("error running hook #0: error running hook: exit status 1, stdout: , stderr: setkey failed\n", e.getMessage());
    assertFalse(Files.exists(root.resolve(id)));
  }

  @Test
  void aDetachedContainerSendsItsPtyToTheConsoleSocket() throws Exception {
    String id = id("tty");
    Path sock = dir.resolve("console.sock");
    Path got = dir.resolve("console.out");
    // A console-socket receiver, as containerd-shim would be: takes the pty master by SCM_RIGHTS
    // and copies what the container writes to it.
    String py = String.join("\n",
        "import socket, os, sys",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)",
        "print('ready', flush=True)",
        "c, _ = s.accept()",
        "msg, fds, flags, addr = socket.recv_fds(c, 1024, 1)",
        "data = b''",
        "while b'done' not in data:",
        "    try:",
        "        chunk = os.read(fds[0], 4096)",
        "    except OSError:",
        "        break",
        "    if not chunk: break",
        "    data += chunk",
        "open(sys.argv[2], 'wb').write(data)");
    Process receiver = new ProcessBuilder("python3", "-c", py, sock.toString(), got.toString()).redirectErrorStream(true).start();
    try (InputStream in = receiver.getInputStream()) {
      assertEquals("ready", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
      Path b = bundle("tty", List.of("sh", "-c", "tty; echo done; sleep 30"), Bundles::withTerminal);
      assertEquals(0, rt.run(id, b, new OciRuntime.CreateOptions(sock, null, true)), this::stderrQuietly);
      assertTrue(receiver.waitFor(20, TimeUnit.SECONDS), "receiver finished");
      String console = Files.readString(got);
      assertTrue(console.contains("/dev/pts/0"), console);
      assertTrue(console.contains("done"), console);
    } finally {
      receiver.destroyForcibly();
    }
  }

  @Test
  void badBundlesAreRefusedWithoutLeftovers() throws Exception {
    Path malformed = Files.createDirectories(dir.resolve("malformed"));
    Files.writeString(malformed.resolve("config.json"), "{\"ociVersion\": \"1.0.2\",\n \"process\": [}");
    RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(id("malformed"), malformed, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("invalid JSON at line 2"), e.getMessage());

    Path empty = Files.createDirectories(dir.resolve("empty"));
    e = assertThrows(RuntimeError.class, () -> rt.run(id("missing"), empty, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("config.json not found"), e.getMessage());

    Path noRootfs = bundle("norootfs", List.of("true"), s -> Bundles.withRoot(s, new Spec.Root("nothere", true)));
    e = assertThrows(RuntimeError.class, () -> rt.run(id("norootfs"), noRootfs, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

    Path badNs = bundle("badns", List.of("true"), s -> Bundles.withLinux(s, l -> {
      List<Spec.Namespace> ns = new ArrayList<>(l.namespaces());
      ns.add(new Spec.Namespace("bogus", null));
      return l.namespaces(ns);
    }));
    e = assertThrows(RuntimeError.class, () -> rt.run(id("badns"), badNs, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("unknown namespace type \"bogus\""), e.getMessage());

    // A limit this host cannot apply (no net_cls controller here) fails the create, and the
    // cgroups made before the failure are removed again.
    if (!Files.exists(Path.of("/sys/fs/cgroup/net_cls/cgroup.procs"))) {
      String netId = id("netcls");
      Spec.Resources net = new Spec.Resources(null, null, null, null, null, null, new Spec.Network(42L, null), null);
      Path netBundle = bundle("netcls", List.of("true"), s -> Bundles.withLinux(s, l -> l.resources(net)));
      e = assertThrows(RuntimeError.class, () -> rt.run(netId, netBundle, OciRuntime.CreateOptions.defaults()));
      assertTrue(e.getMessage().contains("no net_cls controller"), e.getMessage());
      assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", netId)), "no cgroup left");
    }

    // A failure inside the helper (the program does not exist) also unwinds everything.
    String id = id("noexec");
    Path noProgram = bundle("noexec", List.of("/bin/does-not-exist"), s -> s);
    e = assertThrows(RuntimeError.class, () -> rt.run(id, noProgram, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("does-not-exist"), e.getMessage());
    assertFalse(Files.exists(root.resolve(id)), "no state directory");
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", id)), "no cgroup");
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()), "no mount left on the host");
    assertTrue(rt.list().isEmpty());
  }

  @Test
  void rlimitsApplyInsideTheContainer() throws Exception {
    Path b = bundle("rlimit", List.of("sh", "-c", "ulimit -n"), s -> s);
    assertEquals(0, rt.run(id("rlimit"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertEquals("1024", stdout());
  }

  /** runc brings lo up in a new network namespace: 0x9 is IFF_UP|IFF_LOOPBACK. */
  @Test
  void aNewNetworkNamespaceHasLoopbackUp() throws Exception {
    Path b = bundle("lo", List.of("cat", "/sys/class/net/lo/flags"), s -> s);
    assertEquals(0, rt.run(id("lo"), b, OciRuntime.CreateOptions.defaults()), this::stderrQuietly);
    assertEquals("0x9", stdout());
  }

  /** runc's wording (Go's exec.LookPath): dockerd maps these to exit codes 127 and 126. */
  @Test
  void aMissingExecutableIsReportedInRuncsWords() throws Exception {
    RuntimeError e = assertThrows(RuntimeError.class,
        () -> rt.run(id("nosuch"), bundle("nosuch", List.of("nosuch"), s -> s), OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("exec: \"nosuch\": executable file not found in $PATH"), e.getMessage());
    e = assertThrows(RuntimeError.class,
        () -> rt.run(id("nopath"), bundle("nopath", List.of("/no/such"), s -> s), OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("exec: \"/no/such\": stat /no/such: no such file or directory"), e.getMessage());
    e = assertThrows(RuntimeError.class,
        () -> rt.run(id("noexec"), bundle("noexec", List.of("/etc/passwd"), s -> s), OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("exec: \"/etc/passwd\": permission denied"), e.getMessage());
  }
}
