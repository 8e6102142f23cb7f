package dockyard.runc;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published runc escapes, each run as an attacker would run it against our runtime:
 *
 * <ul>
 *   <li>CVE-2019-5736: a container process reopens the runtime helper's {@code /proc/PID/exe} for
 *       writing and overwrites the helper on the host. The helper runs from a sealed memfd copy of
 *       itself and is non-dumpable while it sits in the container's namespaces.
 *   <li>CVE-2024-21626: a working directory of {@code /proc/self/fd/N} naming a directory fd the
 *       runtime leaked puts the process outside the container's root.
 *   <li>CVE-2021-30465: symlinks (and races on them) in mount destinations.
 *   <li>CVE-2019-16884 / CVE-2019-19921: /proc replaced by a symlink, and mounts over /proc.
 *   <li>CVE-2025-31133: a masked path bound from an image's /dev/null that is a symlink to a
 *       host-global procfs file.
 * </ul>
 *
 * The helper under attack is a copy in the test's directory, so a regression cannot damage the
 * build output; its SHA-256 is compared before and after.
 */
@EnabledIf("dockyard.runc.Bundles#available")
class EscapeTest {
  private static final Path ATTACK_SOURCE = Path.of("src/test/c/exe-attack.c");

  @TempDir Path dir;
  Path helper;
  String helperDigest;
  Path out;
  Path err;
  OciRuntime rt;
  final List<String> ids = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    helper = Files.createDirectories(dir.resolve("helper")).resolve("dockyard-nsexec");
    Files.copy(LocalHelper.binary(dir.resolve("cache")), helper);
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    helperDigest = sha256(helper);
    out = dir.resolve("out");
    err = dir.resolve("err");
    rt = runtime(helper);
  }

  @AfterEach
  void cleanUp() {
    for (String id : ids.reversed()) {
      try {
        rt.delete(id, true);
      } catch (IOException e) {
        // already gone
      }
    }
  }

  OciRuntime runtime(Path launchPath) {
    Stdio io = new Stdio(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()), ProcessBuilder.Redirect.to(out.toFile()),
        ProcessBuilder.Redirect.to(err.toFile()));
    return new OciRuntime(dir.resolve("state"), w -> {}, (plan, workDir, sock) -> LocalHelper.start(launchPath, plan, workDir, sock, io));
  }

  String id(String name) {
    String id = "dy-esc-" + name + "-" + ProcessHandle.current().pid();
    ids.add(id);
    return id;
  }

  Path bundle(String name, List<String> args, UnaryOperator<Spec> edit) throws IOException {
    return Bundles.make(Files.createDirectories(dir.resolve(name)), args, edit);
  }

  // ------------------------------------------------------------------------------------------
  // CVE-2019-5736: overwriting the runtime through /proc/PID/exe

  /**
   * Kubernetes pods share a pid namespace: a second container's init waits, in the helper, for
   * `start` inside the attacker's pid namespace for as long as the orchestrator likes. With
   * CAP_SYS_PTRACE the attacker gets past the non-dumpable flag and holds the exe; the seals must
   * then refuse the write.
   */
  @Test
  void aSealedHelperCannotBeOverwrittenFromASharedPidNamespace() throws Exception {
    List<String> log = sharedPidAttack("ptrace", true);
    assertTrue(log.stream().anyMatch(l -> l.startsWith("holding")), "the attack never got hold of the helper: " + log);
    assertTrue(log.stream().anyMatch(l -> l.startsWith("refused") && l.contains("Operation not permitted")), log::toString);
    assertTrue(log.stream().noneMatch(l -> l.startsWith("OVERWRITTEN")), log::toString);
    assertEquals(helperDigest, sha256(helper), "the helper on the host was changed");
  }

  /** Without CAP_SYS_PTRACE (every default profile) the helper's /proc entries are closed to the container. */
  @Test
  void aNonDumpableHelperIsOutOfReachOfTheContainer() throws Exception {
    List<String> log = sharedPidAttack("noptrace", false);
    assertTrue(log.stream().anyMatch(l -> l.startsWith("denied")), "the attack never saw the helper: " + log);
    assertTrue(log.stream().noneMatch(l -> l.startsWith("holding") || l.startsWith("OVERWRITTEN")), log::toString);
    assertEquals(helperDigest, sha256(helper), "the helper on the host was changed");
  }

  private List<String> sharedPidAttack(String name, boolean ptrace) throws Exception {
    Path shared = Files.createDirectories(dir.resolve(name + "-shared"));
    Path logFile = shared.resolve("log");
    String attacker = id(name + "-a");
    Path a = attackerBundle(name + "-a", shared, List.of("/attack", "/shared/log", "8"), ptrace);
    assertEquals(0, rt.run(attacker, a, new OciRuntime.CreateOptions(null, null, true)), this::stderr);
    int attackerPid = rt.state(attacker).pid();
    awaitLog(logFile, l -> l.startsWith("started"));

    String victim = id(name + "-v");
    Path v = bundle(name + "-v", List.of("true"), s -> Bundles.withLinux(s, l -> l.namespaces(l.namespaces().stream()
        .map(n -> n.type().equals("pid") ? new Spec.Namespace("pid", "/proc/" + attackerPid + "/ns/pid") : n).toList())));
    rt.create(victim, v, OciRuntime.CreateOptions.defaults());
    // the victim's init now waits for start in the attacker's pid namespace
    awaitLog(logFile, l -> l.startsWith("holding") || l.startsWith("denied"));
    rt.start(victim);
    awaitStopped(victim);
    if (ptrace) awaitLog(logFile, l -> l.startsWith("refused") || l.startsWith("OVERWRITTEN") || l.startsWith("gave up"));
    return Files.readAllLines(logFile);
  }

  /** The report: the attacker scans its /proc while `exec` runs into its container. */
  @Test
  void execIntoAContainerCannotBeUsedToOverwriteTheHelper() throws Exception {
    Path shared = Files.createDirectories(dir.resolve("exec-shared"));
    Path logFile = shared.resolve("log");
    String id = id("exec");
    assertEquals(0, rt.run(id, attackerBundle("exec", shared, List.of("/attack", "/shared/log", "30"), true),
        new OciRuntime.CreateOptions(null, null, true)), this::stderr);
    awaitLog(logFile, l -> l.startsWith("started"));
    Spec.Process base = rt.store().load(id).config().process();
    Spec.Process p = new Spec.Process(false, null, base.user(), List.of("true"), null, base.env(), "/", base.capabilities(), null,
        null, null, null, null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int execs = 0;
    while (System.nanoTime() < deadline && Files.readAllLines(logFile).stream().noneMatch(l -> l.startsWith("refused") || l.startsWith("OVERWRITTEN"))) {
      assertEquals(0, rt.exec(id, new OciRuntime.ExecOptions(p, null, null, false)), this::stderr);
      execs++;
    }
    List<String> log = Files.readAllLines(logFile);
    System.out.println("exec attack: " + execs + " execs, attacker log " + log);
    assertTrue(log.stream().noneMatch(l -> l.startsWith("OVERWRITTEN")), log::toString);
    assertEquals(helperDigest, sha256(helper), "the helper on the host was changed after " + execs + " execs: " + log);
    // the race is won in most runs within a few execs; when it was, the seals answered
    log.stream().filter(l -> l.startsWith("refused")).forEach(l -> assertTrue(l.contains("Operation not permitted"), l));
  }

  private Path attackerBundle(String name, Path shared, List<String> args, boolean ptrace) throws Exception {
    Path attack = attackBinary();
    Path b = bundle(name, args, s -> {
      Spec t = withMounts(s, m -> Stream.concat(m.stream(), Stream.of(new Spec.Mount("/shared", "bind", shared.toString(), List.of("rbind", "rw")))).toList());
      if (!ptrace) return t;
      List<String> caps = new ArrayList<>(t.process().capabilities().bounding());
      caps.add("CAP_SYS_PTRACE");
      return Bundles.withCaps(t, caps);
    });
    Files.copy(attack, b.resolve("rootfs/attack"));
    Files.setPosixFilePermissions(b.resolve("rootfs/attack"), PosixFilePermissions.fromString("rwxr-xr-x"));
    return b;
  }

  private Path attackBinary() throws Exception {
    Path bin = dir.resolve("exe-attack");
    if (Files.exists(bin)) return bin;
    Process gcc;
    try {
      gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", bin.toString(), ATTACK_SOURCE.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      assumeTrue(false, "gcc is needed to build the attack program (apt-get install gcc libc6-dev): " + e.getMessage());
      throw e;
    }
    String output = new String(gcc.getInputStream().readAllBytes());
    assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
    assertEquals(0, gcc.exitValue(), output);
    return bin;
  }

  // ------------------------------------------------------------------------------------------
  // CVE-2024-21626: a leaked directory fd as the working directory

  /**
   * The helper is started by a wrapper that leaks fd 7 on a host directory, as a careless caller
   * (a shim, a shell) would. A cwd of /proc/self/fd/7 must not put the process there.
   */
  @Test
  void aLeakedDirectoryFdCannotBecomeTheWorkingDirectory() throws Exception {
    Path host = Files.createDirectories(dir.resolve("host-secret"));
    Files.writeString(host.resolve("marker"), "host-only\n");
    Path wrapper = dir.resolve("leaky-launcher");
    Files.writeString(wrapper, "#!/bin/sh\nexec 7<'" + host + "'\nexec '" + helper + "' \"$@\"\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    OciRuntime leaky = runtime(wrapper);

    String id = id("cwd");
    Path b = bundle("cwd", List.of("sh", "-c", "cat marker; pwd"), s -> withCwd(s, "/proc/self/fd/7"));
    RuntimeError e = assertThrows(RuntimeError.class, () -> leaky.run(id, b, OciRuntime.CreateOptions.defaults()), this::stdout);
    // the leaked fd is closed before anything runs in the container; were one left open, the
    // working directory would still be refused as outside the root
    assertTrue(e.getMessage().contains("chdir /proc/self/fd/7"), e.getMessage());
    assertTrue(e.getMessage().contains("No such file or directory") || e.getMessage().contains("outside the container"), e.getMessage());
    assertFalse(stdout().contains("host-only"), stdout());

    // the same through exec into a running container
    String box = id("cwd-exec");
    assertEquals(0, leaky.run(box, bundle("cwd-exec", List.of("sleep", "60"), s -> s), new OciRuntime.CreateOptions(null, null, true)), this::stderr);
    Spec.Process base = leaky.store().load(box).config().process();
    for (int fd = 3; fd < 12; fd++) {
      Spec.Process p = new Spec.Process(false, null, base.user(), List.of("sh", "-c", "cat marker"), null, base.env(), "/proc/self/fd/" + fd,
          base.capabilities(), null, null, null, null, null);
      try {
        leaky.exec(box, new OciRuntime.ExecOptions(p, null, null, false));
      } catch (RuntimeError refused) {
        // refused (not a directory, or outside the root): either way not the host's
      }
      assertFalse(stdout().contains("host-only"), "cwd /proc/self/fd/" + fd + " reached the host: " + stdout());
    }
  }

  // ------------------------------------------------------------------------------------------
  // CVE-2021-30465: symlinks and symlink races in mount destinations

  /** A destination through an absolute and a climbing symlink lands inside the rootfs. */
  @Test
  void symlinksInMountDestinationsStayInsideTheRootfs() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("payload"), "mounted\n");
    String id = id("links");
    Path b = bundle("links", List.of("sh", "-c", "cat /abs/m/payload /rel/m/payload"), s -> withMounts(s, m -> Stream.concat(m.stream(),
        Stream.of(new Spec.Mount("/abs/m", "bind", src.toString(), List.of("bind")), new Spec.Mount("/rel/m", "bind", src.toString(), List.of("bind")))).toList()));
    Files.createSymbolicLink(b.resolve("rootfs/abs"), outside);
    Files.createSymbolicLink(b.resolve("rootfs/rel"), Path.of("../../../../../../../../.." + outside));
    assertEquals(0, rt.run(id, b, OciRuntime.CreateOptions.defaults()), this::stderr);
    assertEquals("mounted\nmounted", stdout());
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(List.of(), s.toList(), "a mount point was created outside the rootfs");
    }
    assertTrue(Files.isDirectory(b.resolve("rootfs").resolve(outside.toString().substring(1)).resolve("m")), "the mount point is inside the rootfs");
  }

  /** While containers start, another process keeps swapping the destination's parent for a symlink out. */
  @Test
  void aRaceOnAMountDestinationNeverReachesTheHost() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("race-outside"));
    Path src = Files.createDirectories(dir.resolve("race-src"));
    Files.writeString(src.resolve("payload"), "mounted\n");
    Path b = bundle("race", List.of("true"), s -> withMounts(s, m -> Stream.concat(m.stream(),
        Stream.of(new Spec.Mount("/vol/d/m", "bind", src.toString(), List.of("bind")))).toList()));
    Path d = Files.createDirectories(b.resolve("rootfs/vol")).resolve("d");
    Path link = b.resolve("rootfs/vol/d-link");
    Path dirv = b.resolve("rootfs/vol/d-dir");
    Files.createSymbolicLink(link, Path.of("../../../../../../../../.." + outside));
    Files.createDirectories(dirv);
    AtomicBoolean stop = new AtomicBoolean();
    Thread swapper = Thread.ofPlatform().start(() -> {
      boolean asLink = false;
      while (!stop.get()) {
        try {
          Path tmp = b.resolve("rootfs/vol/d-swap");
          Files.deleteIfExists(tmp);
          Files.createSymbolicLink(tmp, asLink ? link.getFileName() : dirv.getFileName());
          Files.move(tmp, d, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          asLink = !asLink;
        } catch (IOException e) {
          // the runtime may hold the name for a moment; try again
        }
      }
    });
    try {
      for (int i = 0; i < 15; i++) {
        String id = id("race" + i);
        try {
          rt.run(id, b, OciRuntime.CreateOptions.defaults());
        } catch (RuntimeError e) {
          // a swap in the middle of the mount point's creation may fail a run; it must never escape
        }
        try (Stream<Path> s = Files.list(outside)) {
          assertEquals(List.of(), s.toList(), "run " + i + " created a mount point outside the rootfs");
        }
      }
    } finally {
      stop.set(true);
      swapper.join();
    }
  }

  // ------------------------------------------------------------------------------------------
  // CVE-2019-16884 / CVE-2019-19921: /proc

  @Test
  void procMustBeMountedOnAnOrdinaryDirectory() throws Exception {
    String id = id("proclink");
    Path b = bundle("proclink", List.of("true"), s -> s);
    Files.delete(b.resolve("rootfs/proc"));
    Files.createDirectories(b.resolve("rootfs/fakeproc"));
    Files.createSymbolicLink(b.resolve("rootfs/proc"), Path.of("fakeproc"));
    RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(id, b, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("must be mounted on ordinary directory"), e.getMessage());
  }

  @Test
  void mountsInsideProcAreRefusedExceptLxcfsFiles() throws Exception {
    Path file = Files.writeString(dir.resolve("fake-cpuinfo"), "processor : 42\n");
    String direct = id("inproc");
    Path b = bundle("inproc", List.of("true"), s -> withMounts(s, m -> Stream.concat(m.stream(),
        Stream.of(new Spec.Mount("/proc/sys/kernel/core_pattern", "bind", file.toString(), List.of("bind")))).toList()));
    RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(direct, b, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("cannot be mounted because it is inside /proc"), e.getMessage());

    // the same destination reached through a symlink in the image
    String viaLink = id("inproc-link");
    Path l = bundle("inproc-link", List.of("true"), s -> withMounts(s, m -> Stream.concat(m.stream(),
        Stream.of(new Spec.Mount("/etc/k/core_pattern", "bind", file.toString(), List.of("bind")))).toList()));
    Files.createSymbolicLink(l.resolve("rootfs/etc/k"), Path.of("/proc/sys/kernel"));
    e = assertThrows(RuntimeError.class, () -> rt.run(viaLink, l, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("cannot be mounted because it is inside /proc"), e.getMessage());

    // not proc over /proc
    String over = id("overproc");
    Path o = bundle("overproc", List.of("true"), s -> withMounts(s, m -> m.stream()
        .map(x -> x.destination().equals("/proc") ? new Spec.Mount("/proc", "tmpfs", "tmpfs", List.of()) : x).toList()));
    e = assertThrows(RuntimeError.class, () -> rt.run(over, o, OciRuntime.CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("not of type proc"), e.getMessage());

    // lxcfs-style files stay allowed
    String lxcfs = id("lxcfs");
    Path c = bundle("lxcfs", List.of("cat", "/proc/cpuinfo"), s -> withMounts(s, m -> Stream.concat(m.stream(),
        Stream.of(new Spec.Mount("/proc/cpuinfo", "bind", file.toString(), List.of("bind")))).toList()));
    assertEquals(0, rt.run(lxcfs, c, OciRuntime.CreateOptions.defaults()), this::stderr);
    assertEquals("processor : 42", stdout());
  }

  // ------------------------------------------------------------------------------------------
  // CVE-2025-31133: a masked path bound from a /dev/null that is not the null device

  @Test
  void aMaskIsNeverBoundFromAnImagesFakeDevNull() throws Exception {
    String id = id("devnull");
    // no /dev tmpfs: the image's own /dev is used, and in it /dev/null points at a host-global file
    Path b = bundle("devnull", List.of("cat", "/proc/kcore"), s -> withMounts(s, m -> m.stream().filter(x -> !x.destination().startsWith("/dev")).toList()));
    Files.createSymbolicLink(b.resolve("rootfs/dev/null"), Path.of("/proc/sys/kernel/core_pattern"));
    RuntimeError e = assertThrows(RuntimeError.class, () -> rt.run(id, b, OciRuntime.CreateOptions.defaults()), this::stdout);
    assertTrue(e.getMessage().contains("/dev/null"), e.getMessage());
    assertEquals("", stdout());
  }

  // ------------------------------------------------------------------------------------------

  static Spec withMounts(Spec s, UnaryOperator<List<Spec.Mount>> edit) {
    return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), edit.apply(s.mounts()), s.hooks(), s.annotations(), s.linux());
  }

  static Spec withCwd(Spec s, String cwd) {
    Spec.Process p = s.process();
    return Bundles.withProcess(s, new Spec.Process(p.terminal(), p.consoleSize(), p.user(), p.args(), p.commandLine(), p.env(), cwd,
        p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(), p.oomScoreAdj(), p.selinuxLabel()));
  }

  private void awaitLog(Path log, Predicate<String> line) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readAllLines(log).stream().anyMatch(line)) return;
      Thread.sleep(10);
    }
    fail("the attack log never showed the expected line: " + (Files.exists(log) ? Files.readAllLines(log) : "no log"));
  }

  private void awaitStopped(String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!rt.state(id).status().equals("stopped")) {
      assertTrue(System.nanoTime() < deadline, id + " did not stop");
      Thread.sleep(5);
    }
  }

  private String stdout() {
    try {
      return Files.exists(out) ? Files.readString(out).trim() : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private String stderr() {
    try {
      return Files.exists(err) ? Files.readString(err).trim() : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static String sha256(Path p) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }
}
