package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/dockyard-runc with no set-up: the first verb starts the resident runtime on a private socket,
 * later verbs are served by it, it leaves when idle, concurrent first verbs start exactly one, a
 * daemon whose build changed under it hands over to a fresh one, and a caller in other namespaces
 * is served by the JVM path instead. The daemon runs the classes under test (bin/dockyard's
 * DOCKYARD_CLASSPATH), the client is the helper this build compiled.
 */
@EnabledIf("available")
class RuncAutostartTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent();
  static final Path FRONT = REPO.resolve("bin/dockyard-runc");
  static final Path HELPER = REPO.resolve("runc/target/classes/dockyard/runc/native/dockyard-nsexec");
  static final Duration IDLE = Duration.ofSeconds(2);

  @TempDir Path dir;
  Path sockDir;
  Path sock;
  Path marker; // an extra class-path entry whose mtime stands for "the build changed"

  static boolean available() {
    return dockyard.linux.Libc.geteuid() == 0 && Files.isExecutable(Path.of("/bin/busybox")) && Files.isExecutable(HELPER)
        && Files.isExecutable(FRONT);
  }

  @BeforeEach
  void paths() throws Exception {
    sockDir = dir.resolve("daemon"); // missing: the first client makes it, 0700
    sock = sockDir.resolve("runc.sock");
    marker = dir.resolve("marker.jar");
    try (JarOutputStream ignored = new JarOutputStream(Files.newOutputStream(marker))) {
      // an empty, valid jar
    }
  }

  @AfterEach
  void stopDaemons() throws Exception {
    for (long pid : daemonPids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    for (long pid : daemonPids()) ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
  }

  record Result(int exit, String out, String err) {}

  Result front(String... args) throws Exception {
    return run(List.of(), args);
  }

  /** bin/dockyard-runc ARGS with this test's socket, idle timeout and classes, behind PREFIX (e.g. unshare). */
  Result run(List<String> prefix, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(FRONT.toString());
    cmd.add("--root");
    cmd.add(dir.resolve("state").toString());
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of());
  }

  Result exec(List<String> cmd, Map<String, String> extraEnv) throws Exception {
    String id = Long.toString(System.nanoTime());
    Path out = dir.resolve("out." + id), err = dir.resolve("err." + id);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("DOCKYARD_RUNC_DAEMON", sock.toString());
    pb.environment().put("DOCKYARD_RUNC_IDLE", Long.toString(IDLE.toSeconds()));
    pb.environment().put("DOCKYARD_CLASSPATH", System.getProperty("java.class.path") + File.pathSeparator + marker);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  String log() throws Exception {
    Path log = sockDir.resolve("runc.sock.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** The daemons the log says started, by pid. */
  List<Long> started() throws Exception {
    List<Long> pids = new ArrayList<>();
    Matcher m = Pattern.compile("listening on " + Pattern.quote(sock.toString()) + " \\(pid (\\d+)").matcher(log());
    while (m.find()) pids.add(Long.parseLong(m.group(1)));
    return pids;
  }

  /** Live processes serving this test's socket (a daemon's command line names it). */
  List<Long> daemonPids() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(sock.toString()) && List.of(a).contains("daemon")).orElse(false))
        .map(ProcessHandle::pid).toList();
  }

  /** /proc/PID/stat after the command: state, ppid, pgrp, session, tty_nr, ... */
  static String[] stat(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  void awaitExit(long pid) {
    ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(IDLE.toSeconds() + 20, TimeUnit.SECONDS).join());
  }

  Path bundle(String... args) throws Exception {
    Path b = Files.createDirectories(dir.resolve("bundle"));
    SpecBundles.busybox(b, List.of("sh", "echo"));
    Files.deleteIfExists(b.resolve("config.json"));
    Result spec = front("spec", "--bundle", b.toString());
    assertEquals(0, spec.exit(), spec.err());
    SpecBundles.runWithoutTerminal(b, args);
    return b;
  }

  @Test
  void theFirstVerbStartsTheDaemonLaterVerbsUseItAndItLeavesWhenIdle() throws Exception {
    assertFalse(Files.exists(sock));
    Result list = front("list");
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().startsWith("ID "), list.out());
    assertEquals("", list.err());

    List<Long> pids = started();
    assertEquals(1, pids.size(), log());
    long daemon = pids.getFirst();
    assertTrue(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "the daemon outlives the verb that started it");
    assertEquals(List.of(daemon), daemonPids());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sockDir)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    // detached: another session than ours (the verb's), no controlling terminal
    String[] daemonStat = stat(daemon), ownStat = stat(ProcessHandle.current().pid());
    assertNotEquals(ownStat[3], daemonStat[3], "session");
    assertEquals("0", daemonStat[4], "controlling terminal");

    // the daemon serves: the helper's client mode with no JVM to fall back to gets an answer
    Result direct = exec(List.of(HELPER.toString(), "client", sock.toString(), "--root", dir.resolve("state").toString(), "list", "-q"),
        Map.of());
    assertEquals(0, direct.exit(), direct.err());

    // a container through it: the caller's stdout, stderr and exit status
    Path b = bundle("sh", "-c", "echo out; echo err >&2; exit 3");
    Result run = front("run", "--bundle", b.toString(), "auto1");
    assertEquals(3, run.exit(), run.err());
    assertEquals("out\n", run.out());
    assertEquals("err\n", run.err());
    assertEquals("", front("list", "-q").out());
    Result missing = front("state", "nosuch");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("container does not exist"), missing.err());
    assertEquals(List.of(daemon), started(), "every verb went to the one daemon");

    // idle: it unlinks its socket and exits; the next verb starts a new one
    awaitExit(daemon);
    assertFalse(Files.exists(sock), "an idle daemon removes its socket");
    assertTrue(log().contains("idle for " + IDLE.toMillis() + " ms, exiting"), log());
    Result again = front("list", "-q");
    assertEquals(0, again.exit(), again.err());
    assertEquals(2, started().size(), log());
  }

  @Test
  void concurrentFirstVerbsStartExactlyOneDaemon() throws Exception {
    List<Process> procs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ProcessBuilder pb = new ProcessBuilder(FRONT.toString(), "--root", dir.resolve("state").toString(), "list")
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(dir.resolve("c.out." + i).toFile()).redirectError(dir.resolve("c.err." + i).toFile());
      pb.environment().put("DOCKYARD_RUNC_DAEMON", sock.toString());
      pb.environment().put("DOCKYARD_RUNC_IDLE", "30");
      pb.environment().put("DOCKYARD_CLASSPATH", System.getProperty("java.class.path"));
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      procs.add(pb.start());
    }
    for (int i = 0; i < procs.size(); i++) {
      assertTrue(procs.get(i).waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, procs.get(i).exitValue(), Files.readString(dir.resolve("c.err." + i)));
      assertTrue(Files.readString(dir.resolve("c.out." + i)).startsWith("ID "));
    }
    assertEquals(1, started().size(), log());
    assertEquals(1, daemonPids().size(), "one daemon process: " + daemonPids());
  }

  @Test
  void aDaemonWhoseBuildChangedHandsOverToAFreshOne() throws Exception {
    assertEquals(0, front("list").exit());
    long first = started().getFirst();
    // what a rebuild does to a jar on the running daemon's class path
    Files.setLastModifiedTime(marker, FileTime.from(Instant.now().plusSeconds(5)));
    Result list = front("list", "-q");
    assertEquals(0, list.exit(), list.err());
    assertEquals("", list.err());
    awaitExit(first);
    assertTrue(log().contains("stale (build: " + marker + " changed since the daemon started), exiting"), log());
    List<Long> pids = started();
    assertEquals(2, pids.size(), log());
    assertTrue(ProcessHandle.of(pids.get(1)).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void aCallerInOtherNamespacesGetsTheJvmPathAndTheDaemonStays() throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare (util-linux) is needed");
    assertEquals(0, front("list").exit());
    long daemon = started().getFirst();
    Result r = run(List.of("unshare", "--uts"), "list", "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    assertEquals(List.of(daemon), started());
    assertTrue(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "a refusal for namespaces does not stop the daemon");
    assertTrue(Files.exists(sock));
  }
}
