package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/dockyard's resident front end for verbs other than runc's: the first `linuxkit build` run
 * without a terminal starts a resident JVM for its cwd and environment, later ones in the same
 * place are served by it with the same stdout, stderr and exit status as the JVM path, another cwd
 * gets another daemon, and an idle one leaves. The daemon runs the classes under test
 * (DOCKYARD_CLASSPATH) and lives under this test's own XDG_RUNTIME_DIR.
 */
@EnabledIf("available")
class ResidentFrontEndTest {
  static final Path REPO = Path.of("").toAbsolutePath().getParent();
  static final Path FRONT = REPO.resolve("bin/dockyard");
  static final Path HELPER = REPO.resolve("runc/target/classes/dockyard/runc/native/dockyard-nsexec");

  @TempDir Path dir;

  static boolean available() {
    return Files.isExecutable(HELPER) && Files.isExecutable(FRONT);
  }

  Path xdg() throws Exception {
    Path x = dir.resolve("xdg");
    if (!Files.exists(x)) Files.createDirectory(x, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return x;
  }

  record Result(int exit, String out, String err) {}

  Result dockyard(Path cwd, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(FRONT.toString()));
    cmd.addAll(List.of(args));
    String id = Long.toString(System.nanoTime());
    Path out = dir.resolve("out." + id), err = dir.resolve("err." + id);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("XDG_RUNTIME_DIR", xdg().toString());
    pb.environment().put("DOCKYARD_RESIDENT_IDLE", "2");
    pb.environment().put("DOCKYARD_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** The daemons started so far (one log per socket, a line per start), by pid, and the cwd each serves. */
  Map<Long, String> daemons() throws Exception {
    Map<Long, String> pids = new java.util.TreeMap<>();
    Path d = xdg().resolve("dockyard");
    if (!Files.isDirectory(d)) return pids;
    try (Stream<Path> logs = Files.list(d)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().endsWith(".sock.log")).toList()) {
        Matcher m = Pattern.compile("listening on .* \\(pid (\\d+), build [^,]*, cwd (.*)\\)").matcher(Files.readString(log));
        while (m.find()) pids.put(Long.parseLong(m.group(1)), m.group(2));
      }
    }
    return pids;
  }

  @AfterEach
  void stop() throws Exception {
    for (long pid : daemons().keySet()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    for (long pid : daemons().keySet()) ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
  }

  @Test
  void aClientKilledDuringItsVerbTakesTheDaemonWithIt() throws Exception {
    // a notary server that takes the connection and never answers: `notary list` waits on it
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
      Path here = Files.createDirectories(dir.resolve("here"));
      assertEquals(0, dockyard(here, Map.of(), "linuxkit", "build", "--help").exit());
      long daemon = daemons().keySet().iterator().next();
      ProcessBuilder pb = new ProcessBuilder(FRONT.toString(), "notary", "-s", "http://127.0.0.1:" + silent.getLocalPort(), "-d",
          dir.resolve("trust").toString(), "list", "example.com/app").directory(here.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(dir.resolve("killed.out").toFile()).redirectError(dir.resolve("killed.err").toFile());
      pb.environment().put("XDG_RUNTIME_DIR", xdg().toString());
      pb.environment().put("DOCKYARD_RESIDENT_IDLE", "2");
      pb.environment().put("DOCKYARD_CLASSPATH", System.getProperty("java.class.path"));
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      Process client = pb.start();
      silent.setSoTimeout(60_000);
      try (java.net.Socket ignored = silent.accept()) { // the verb is running in the daemon
        assertEquals(Map.of(daemon, here.toString()), daemons(), "served by the running daemon");
        client.destroyForcibly();
        assertTrue(client.waitFor(10, TimeUnit.SECONDS));
        ProcessHandle.of(daemon).ifPresent(p -> p.onExit().orTimeout(20, TimeUnit.SECONDS).join());
      }
      try (Stream<Path> left = Files.list(xdg().resolve("dockyard"))) {
        assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".sock")).toList());
      }
      try (Stream<Path> logs = Files.list(xdg().resolve("dockyard"))) {
        Path log = logs.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        assertTrue(Files.readString(log).contains("the client went away during its verb, exiting"), Files.readString(log));
      }
    }
  }

  @Test
  void verbsRunInAResidentJvmPerCwdWithTheJvmPathsOutputAndExitStatus() throws Exception {
    Path here = Files.createDirectories(dir.resolve("here"));
    Result help = dockyard(here, Map.of(), "linuxkit", "build", "--help");
    assertEquals(0, help.exit(), help.err());
    assertTrue(help.out().startsWith("Usage: dockyard linuxkit build"), help.out());
    Map<Long, String> started = daemons();
    assertEquals(1, started.size(), started.toString());
    long daemon = started.keySet().iterator().next();
    assertEquals(here.toString(), started.get(daemon));
    assertTrue(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "the daemon outlives the verb");

    // the same bytes and status as a JVM of its own
    assertEquals(dockyard(here, Map.of("DOCKYARD_RESIDENT", "off"), "linuxkit", "build", "--help"), help);
    Result missing = dockyard(here, Map.of(), "linuxkit", "build", "nosuch.yml");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("nosuch.yml"), missing.err());
    assertEquals(dockyard(here, Map.of("DOCKYARD_RESIDENT", "off"), "linuxkit", "build", "nosuch.yml"), missing);
    Result usage = dockyard(here, Map.of(), "linuxkit", "build", "--no-such-flag");
    assertEquals(dockyard(here, Map.of("DOCKYARD_RESIDENT", "off"), "linuxkit", "build", "--no-such-flag"), usage);
    assertEquals(Map.of(daemon, here.toString()), daemons(), "every call from here went to the one daemon");

    // another directory (or environment) is another daemon's
    Path there = Files.createDirectories(dir.resolve("there"));
    assertEquals(0, dockyard(there, Map.of(), "linuxkit", "build", "--help").exit());
    assertEquals(2, daemons().size(), daemons().toString());
    assertTrue(daemons().containsValue(there.toString()));

    // idle: both leave, and their socket, lock and log files with them
    for (long pid : daemons().keySet()) ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
    try (Stream<Path> left = Files.list(xdg().resolve("dockyard"))) {
      assertEquals(List.of(), left.toList());
    }
  }
}
