package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Our runtime under the originals' own orchestrators, unchanged: Debian's containerd 1.6 with
 * {@code ctr run --runc-binary bin/dockyard-runc}, and docker.io's dockerd 20.10 with
 * {@code --add-runtime dockyard=bin/dockyard-runc} and its default bridge network (so the
 * libnetwork-setkey prestart hook runs). The busybox image is made here from busybox-static.
 *
 * <p>Nothing of the host changes: the daemons run in a network namespace of their own (docker0,
 * the veths and the iptables rules live and die there) and a private mount namespace with a fresh
 * tmpfs on /run (shim sockets, runc state, fifos) and /etc and /opt overlaid onto scratch
 * directories (dockerd writes /etc/docker/key.json, its containerd /opt/containerd); AppArmor reads as off there, so dockerd loads no profile
 * into the kernel. Their cgroups are under one parent named for this run, removed at the end with
 * every process and scratch directory.
 *
 * <p>The runtime's Java side is a resident {@code dockyard runc daemon} started in the same
 * namespaces (hooks run where runc would run them), reached by bin/dockyard-runc through
 * {@code DOCKYARD_RUNC_DAEMON}, so a verb costs no JVM start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuncUnderContainerdAndDockerTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path RUNTIME = REPO.resolve("bin/dockyard-runc");
  static final List<String> TOOLS = List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/dockerd",
      "/usr/bin/docker", "/usr/sbin/runc", "/usr/bin/unshare", "/usr/bin/nsenter", "/bin/busybox", "/usr/sbin/iptables");

  /** One name for everything this run creates outside its scratch directory: cgroup parents, containerd's namespace. */
  final String tag = "dockyard-test-" + ProcessHandle.current().pid();
  Path scratch;
  Process holder;
  final List<Process> daemons = new ArrayList<>();
  Path runcSock;
  Path image;

  record Result(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
  }

  @BeforeAll
  void namespacesAndRuntime() throws Exception {
    Assumptions.assumeTrue(dockyard.linux.Libc.geteuid() == 0,
        "needs root: runs containerd and dockerd (in their own network and mount namespaces)");
    for (String t : TOOLS) {
      assertTrue(Files.isExecutable(Path.of(t)), t + " is missing: install docker.io, containerd, runc, busybox-static, iptables (see .ci/run)");
    }
    scratch = Files.createTempDirectory("dockyard-orchestrators");
    image = busyboxImage(scratch.resolve("image"));
    for (String d : List.of("etc-upper", "etc-work", "opt-upper", "opt-work")) Files.createDirectories(scratch.resolve(d));
    // The namespace holder: everything else joins its namespaces with nsenter.
    String setup = String.join("\n",
        "set -e",
        "mount -t tmpfs -o mode=0755 tmpfs /run",
        // dockerd writes /etc/docker/key.json, the containerd it starts makes /opt/containerd
        "for d in etc opt; do mount -t overlay overlay -o lowerdir=/$d,upperdir=" + scratch + "/$d-upper,workdir=" + scratch + "/$d-work /$d; done",
        // dockerd loads its AppArmor profile into the kernel when AppArmor is on; here it is off
        "aa=/sys/module/apparmor/parameters/enabled",
        "if [ -e $aa ]; then echo N > " + scratch.resolve("apparmor-off") + "; mount --bind " + scratch.resolve("apparmor-off") + " $aa; fi",
        "ip link set lo up",
        "echo ready",
        "exec sleep 1000000");
    holder = new ProcessBuilder("/usr/bin/unshare", "--net", "--mount", "--propagation", "private", "/bin/sh", "-c", setup)
        .redirectError(scratch.resolve("holder.err").toFile()).start();
    byte[] ready = holder.getInputStream().readNBytes(6);
    assertEquals("ready\n", new String(ready, StandardCharsets.US_ASCII), () -> "namespace setup failed: " + read(scratch.resolve("holder.err")));

    runcSock = scratch.resolve("runc.sock");
    String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    daemons.add(startInNs("runc-daemon", java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        "dockyard.cli.Main", "runc", "daemon", "--socket", runcSock.toString()));
    awaitSocket(runcSock, "runc-daemon");
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (scratch == null) return;
    // daemons last-started first: dockerd before its containers' runtime daemon
    for (Process p : daemons.reversed()) stop(p);
    // anything a daemon left (shims, containers): every process in our cgroups or our namespaces
    for (int round = 0; round < 50 && killLeftovers() > 0; round++) Thread.sleep(100);
    if (holder != null) {
      holder.destroyForcibly();
      holder.waitFor(10, TimeUnit.SECONDS);
    }
    removeCgroups(tag);
    try (Stream<Path> walk = Files.walk(scratch)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  @Test
  @Order(1)
  void containerdAndCtrRunTheirContainersThroughOurRuntime() throws Exception {
    Path d = Files.createDirectories(scratch.resolve("containerd"));
    Path sock = d.resolve("containerd.sock");
    Files.writeString(d.resolve("config.toml"), String.join("\n",
        "version = 2",
        "root = \"" + d.resolve("root") + "\"",
        "state = \"" + d.resolve("state") + "\"",
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\","
            + " \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.aufs\"]",
        "[grpc]",
        "  address = \"" + sock + "\"",
        "[plugins.\"io.containerd.internal.v1.opt\"]",
        "  path = \"" + d.resolve("opt") + "\"",
        ""));
    Process containerd = startInNs("containerd", "/usr/bin/containerd", "-c", d.resolve("config.toml").toString(), "--log-level", "warn");
    daemons.add(containerd);
    awaitSocket(sock, "containerd");
    List<String> ctr = List.of("/usr/bin/ctr", "-a", sock.toString(), "-n", tag);

    Result imported = inNs(60, cat(ctr, "image", "import", "--snapshotter", "native", image.toString()));
    assertEquals(0, imported.exit(), imported::all);
    List<String> run = cat(ctr, "run", "--snapshotter", "native", "--runc-binary", RUNTIME.toString());

    Result hello = inNs(60, cat(run, "--rm", "docker.io/library/busybox:latest", "c1", "sh", "-c", "echo hello from $$; ip -o link show lo; exit 3"));
    assertEquals(3, hello.exit(), hello::all);
    assertTrue(hello.out().startsWith("hello from 1\n"), hello::all);
    assertTrue(hello.out().contains(",UP,") || hello.out().contains("<LOOPBACK,UP"), () -> "lo is up in the new network namespace\n" + hello.all());

    Result detached = inNs(60, cat(run, "-d", "docker.io/library/busybox:latest", "c2", "sleep", "300"));
    assertEquals(0, detached.exit(), detached::all);
    Result tasks = inNs(30, cat(ctr, "task", "ls"));
    assertTrue(tasks.out().lines().anyMatch(l -> l.startsWith("c2 ") && l.contains("RUNNING")), tasks::all);
    Result exec = inNs(30, cat(ctr, "task", "exec", "--exec-id", "e1", "c2", "sh", "-c", "echo exec beside $(cat /proc/1/comm); exit 4"));
    assertEquals(4, exec.exit(), exec::all);
    assertEquals("exec beside sleep\n", exec.out(), exec::all);

    Result paused = inNs(30, cat(ctr, "task", "pause", "c2"));
    assertEquals(0, paused.exit(), paused::all);
    assertTrue(inNs(30, cat(ctr, "task", "ls")).out().lines().anyMatch(l -> l.startsWith("c2 ") && l.contains("PAUSED")));
    assertEquals(0, inNs(30, cat(ctr, "task", "resume", "c2")).exit());

    Result checkpoint = inNs(30, cat(ctr, "task", "checkpoint", "c2"));
    assertNotEquals(0, checkpoint.exit(), checkpoint::all);
    assertTrue(checkpoint.err().contains("checkpoint is not supported"), checkpoint::all);

    assertEquals(0, inNs(30, cat(ctr, "task", "kill", "-s", "SIGKILL", "c2")).exit());
    Result gone = null;
    for (int i = 0; i < 100; i++) {
      gone = inNs(30, cat(ctr, "task", "delete", "c2"));
      if (gone.exit() == 0) break;
      Thread.sleep(50);
    }
    assertEquals(0, gone.exit(), gone::all);
    assertEquals(0, inNs(30, cat(ctr, "container", "delete", "c2")).exit());
    stop(containerd);
  }

  @Test
  @Order(2)
  void dockerdRunsContainersWithItsDefaultBridgeNetworkThroughOurRuntime() throws Exception {
    Path d = Files.createDirectories(scratch.resolve("docker"));
    Path sock = d.resolve("docker.sock");
    Process dockerd = startInNs("dockerd", "/usr/sbin/dockerd", "--data-root", d.resolve("data").toString(), "--exec-root", d.resolve("exec").toString(),
        "-H", "unix://" + sock, "--pidfile", d.resolve("docker.pid").toString(), "--storage-driver", "vfs",
        "--cgroup-parent", "/" + tag, "--add-runtime", "dockyard=" + RUNTIME, "--log-level", "warn");
    daemons.add(dockerd);
    awaitSocket(sock, "dockerd");
    List<String> docker = List.of("/usr/bin/docker", "-H", "unix://" + sock);
    Result loaded = inNs(60, cat(docker, "load", "-i", image.toString()));
    assertEquals(0, loaded.exit(), loaded::all);
    List<String> run = cat(docker, "run", "--runtime", "dockyard");

    // The default bridge: libnetwork-setkey runs as a prestart hook and wires up eth0.
    Result net = inNs(60, cat(run, "--rm", "busybox", "sh", "-c", "ip -o -4 addr show eth0; ip -o link show lo; exit 3"));
    assertEquals(3, net.exit(), net::all);
    assertTrue(net.out().matches("(?s).*eth0\\s+inet 172\\.17\\.\\d+\\.\\d+/16.*"), () -> "eth0 has a bridge address\n" + net.all());
    assertTrue(net.out().contains("<LOOPBACK,UP"), () -> "lo is up\n" + net.all());

    // docker tells a missing program from runc's wording: 127 from run, 126 from exec (as with runc itself, checked alongside)
    Result missing = inNs(60, cat(run, "--rm", "busybox", "no-such-program"));
    assertEquals(127, missing.exit(), missing::all);
    Result missingRunc = inNs(60, cat(docker, "run", "--runtime", "runc", "--rm", "busybox", "no-such-program"));
    assertEquals(127, missingRunc.exit(), missingRunc::all);

    Result started = inNs(60, cat(run, "-d", "--name", "web", "busybox", "sleep", "300"));
    assertEquals(0, started.exit(), started::all);
    String id = started.out().strip();
    Result exec = inNs(30, cat(docker, "exec", "web", "sh", "-c", "echo exec sees $(ip -o -4 addr show eth0 | wc -l) address; exit 4"));
    assertEquals(4, exec.exit(), exec::all);
    assertEquals("exec sees 1 address\n", exec.out(), exec::all);
    Result execMissing = inNs(30, cat(docker, "exec", "web", "no-such-program"));
    assertEquals(126, execMissing.exit(), execMissing::all);
    assertTrue(execMissing.out().contains("executable file not found in $PATH"), execMissing::all);

    // docker update sends every resource, zeros meaning "unchanged"
    Result update = inNs(30, cat(docker, "update", "--memory", "64m", "--memory-swap", "128m", "web"));
    assertEquals(0, update.exit(), update::all);
    assertEquals(64L << 20, memoryLimit(tag + "/" + id));
    Result shares = inNs(30, cat(docker, "update", "--cpu-shares", "512", "web"));
    assertEquals(0, shares.exit(), shares::all);
    assertEquals(64L << 20, memoryLimit(tag + "/" + id), "an update of cpu shares leaves the memory limit");

    Result rm = inNs(60, cat(docker, "rm", "-f", "web"));
    assertEquals(0, rm.exit(), rm::all);
    stop(dockerd);
  }

  // ------------------------------------------------------------------------------------------

  /** A docker-archive (docker save) tar of busybox-static with its applet links: `docker load` and `ctr image import` both take it. */
  static Path busyboxImage(Path dir) throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    Result applets = run(30, List.of("/bin/busybox", "--list"), Map.of());
    for (String a : applets.out().split("\n")) {
      if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
    }
    for (String d : List.of("etc", "tmp", "proc", "sys", "dev", "root")) Files.createDirectories(rootfs.resolve(d));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
    Path out = Files.createDirectories(dir.resolve("archive"));
    Path layer = dir.resolve("layer.tar");
    Result tar = run(60, List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", rootfs.toString(), "-cf", layer.toString(), "."), Map.of());
    assertEquals(0, tar.exit(), tar::all);
    String layerHex = sha256(layer);
    Files.createDirectories(out.resolve(layerHex));
    Files.move(layer, out.resolve(layerHex).resolve("layer.tar"));
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> System.getProperty("os.arch");
    };
    String config = "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\","
        + "\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + layerHex + "\"]},"
        + "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"dockyard test: busybox-static\"}]}";
    Path configFile = out.resolve("config.json");
    Files.writeString(configFile, config);
    String configHex = sha256(configFile);
    Files.move(configFile, out.resolve(configHex + ".json"));
    Files.writeString(out.resolve("manifest.json"),
        "[{\"Config\":\"" + configHex + ".json\",\"RepoTags\":[\"busybox:latest\"],\"Layers\":[\"" + layerHex + "/layer.tar\"]}]");
    Path archive = dir.resolve("busybox.tar");
    Result pack = run(60, List.of("tar", "-C", out.toString(), "-cf", archive.toString(), "."), Map.of());
    assertEquals(0, pack.exit(), pack::all);
    return archive;
  }

  static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), md));
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Runs a command in the holder's network and mount namespaces; its output goes to files (no pipe can block it). */
  Result inNs(long timeoutSeconds, List<String> cmd) throws Exception {
    return run(timeoutSeconds, cat(nsenter(), cmd), env());
  }

  List<String> nsenter() {
    return List.of("/usr/bin/nsenter", "-t", Long.toString(holder.pid()), "-n", "-m", "--");
  }

  /** The environment of everything started here: our runtime daemon, and docker's client config in scratch. */
  Map<String, String> env() {
    return Map.of("DOCKYARD_RUNC_DAEMON", runcSock.toString(), "DOCKER_CONFIG", scratch.resolve("docker-config").toString());
  }

  static Result run(long timeoutSeconds, List<String> cmd, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile("dockyard-cmd", ".out");
    Path err = Files.createTempFile("dockyard-cmd", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s; stderr so far: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** A daemon in the holder's namespaces (nsenter execs it, so the process is the daemon), its log in scratch. */
  Process startInNs(String name, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cat(nsenter(), List.of(cmd))).redirectInput(new File("/dev/null"))
        .redirectOutput(scratch.resolve(name + ".log").toFile()).redirectErrorStream(true);
    pb.environment().putAll(env());
    return pb.start();
  }

  void awaitSocket(Path sock, String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.exists(sock)) {
      Process daemon = daemons.getLast();
      if (!daemon.isAlive()) fail(name + " exited with " + daemon.exitValue() + ": " + read(scratch.resolve(name + ".log")));
      if (System.nanoTime() > deadline) fail(name + " did not create " + sock + " in 30 s: " + read(scratch.resolve(name + ".log")));
      Thread.sleep(20);
    }
  }

  static void stop(Process p) throws InterruptedException {
    if (!p.isAlive()) return;
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGKILLs what is left in our cgroups and namespaces (shims, containers); returns how many there were. */
  int killLeftovers() throws IOException {
    List<Long> pids = new ArrayList<>();
    for (Path dir : cgroupDirs(tag)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path procs : walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
          for (String l : Files.readAllLines(procs)) if (!l.isBlank()) pids.add(Long.parseLong(l.strip()));
        }
      } catch (IOException e) {
        // removed while walking
      }
    }
    if (holder != null && holder.isAlive()) {
      String netns = Files.readSymbolicLink(Path.of("/proc", Long.toString(holder.pid()), "ns/net")).toString();
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
          long pid = Long.parseLong(p.getFileName().toString());
          if (pid == holder.pid()) continue;
          try {
            if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(netns)) pids.add(pid);
          } catch (IOException e) {
            // gone, or a kernel thread
          }
        }
      }
    }
    for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    return pids.size();
  }

  /** This run's cgroup directories: the parent named {@code name} in every v1 hierarchy, or on the v2 root. */
  static List<Path> cgroupDirs(String name) throws IOException {
    List<Path> out = new ArrayList<>();
    Path root = Path.of("/sys/fs/cgroup");
    if (Files.isDirectory(root.resolve(name))) out.add(root.resolve(name));
    try (Stream<Path> hierarchies = Files.list(root)) {
      for (Path h : hierarchies.toList()) if (Files.isDirectory(h.resolve(name)) && !Files.isSymbolicLink(h)) out.add(h.resolve(name));
    }
    return out;
  }

  static void removeCgroups(String name) throws IOException {
    for (Path dir : cgroupDirs(name)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
          try {
            Files.delete(p); // rmdir: a cgroup directory goes without its control files
          } catch (IOException e) {
            System.err.println("cannot remove cgroup " + p + ": " + e);
          }
        }
      }
    }
  }

  /** The memory limit the kernel holds for a container's cgroup (v1 memory.limit_in_bytes, v2 memory.max). */
  static long memoryLimit(String cgroup) throws IOException {
    Path v1 = Path.of("/sys/fs/cgroup/memory", cgroup, "memory.limit_in_bytes");
    Path v2 = Path.of("/sys/fs/cgroup", cgroup, "memory.max");
    return Long.parseLong(Files.readString(Files.exists(v1) ? v1 : v2).strip());
  }

  static List<String> cat(List<String> a, String... b) {
    return cat(a, List.of(b));
  }

  static List<String> cat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }
}
