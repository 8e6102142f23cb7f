package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * README.md's shell snippets, run as a new user would paste them, so they cannot rot.
 *
 * <p>Every {@code ```sh} block in README.md carries a marker on the line before it (an HTML
 * comment, invisible on GitHub):
 * <pre>
 * &lt;!-- test: run [root] [session=NAME] [timeout=SECONDS] [needs=KIND:WHAT,...] [stdin="TEXT"] --&gt;
 * &lt;!-- test: skip REASON --&gt;
 * </pre>
 * A block without one fails this test, so a new snippet is either run or says why not. {@code root}
 * blocks need real root (they are left out, saying so, otherwise); {@code needs} lists what the
 * block uses that a machine may lack: {@code cmd:NAME} on PATH, {@code path:FILE}, {@code fs:TYPE}
 * (a filesystem the kernel has or can load). {@code stdin} is what the block reads (an interactive
 * shell's input; otherwise /dev/null). {@code timeout} is what the block may take (default 60 s); its
 * session is stopped after the sum of its blocks' times. Blocks of one {@code session} run one after another in one
 * shell, like commands typed into one terminal (a server started with {@code &} in one serves the
 * next); a block whose needs are not met is left out of its session, so later blocks must not
 * depend on it.
 *
 * <p>Each session runs under {@code bash -e} in its own mount, network and pid namespaces: fresh
 * tmpfs on /tmp, /run and /mnt (so /tmp/db, /run/netns, control sockets and mounts vanish with it),
 * its own loopback (no clash with servers on the host's ports), HOME in that /tmp, and the working
 * directory a scratch copy of the clone's top level (symlinks), so {@code bin/dockyard} works as
 * from the clone while new files land in the scratch directory. Every background process dies with
 * the pid namespace. A failure names the README line of the command that failed and shows the
 * session's trace. Afterwards the host's /etc files the snippets could touch and the clone's
 * {@code git status} must be unchanged.
 *
 * <p>Runs in the integration-test phase (cli/pom.xml), after the jar and its lib/ are packaged,
 * because the snippets call {@code bin/dockyard}.
 */
class ReadmeSnippetsIT {
  static final Pattern FENCE = Pattern.compile("^```(sh|bash|shell)\\s*$");
  static final Pattern MARKER = Pattern.compile("^<!--\\s*test:\\s*(run|skip)\\b(.*?)-->\\s*$");
  static final Pattern ATTR = Pattern.compile("(\\w+)(?:=(\"[^\"]*\"|\\S+))?");
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** Host files a careless example could write (the udhcpc script once wrote resolv.conf). */
  static final List<Path> WATCHED = List.of(Path.of("/etc/resolv.conf"), Path.of("/etc/hosts"), Path.of("/etc/hostname"),
      Path.of("/etc/netns"));

  record Marker(boolean run, boolean root, String session, Duration timeout, List<String> needs, String stdin, String skipReason) {}

  /** A fenced block: {@code line} is the README line of the fence, the code starts on the next line. */
  record Block(int line, String code, Marker marker) {
    String name() {
      String first = code.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElse("").strip();
      return "README.md:" + line + " " + (first.length() > 60 ? first.substring(0, 60) + "…" : first);
    }
  }

  /** What became of one block in its session's run. */
  record Outcome(boolean passed, String message) {}

  final Path repo = locateRepo();
  final boolean realRoot = dockyard.linux.Libc.geteuid() == 0;
  final Map<String, Map<Integer, Outcome>> sessions = new LinkedHashMap<>();
  final StringBuilder summary = new StringBuilder();

  @TestFactory
  Stream<DynamicTest> readmeSnippets() throws Exception {
    Assumptions.assumeTrue("run".equals(System.getProperty("dockyard.readme.snippets")),
        "README snippets run in the integration-test phase (after the jar is packaged): ./mvnw verify -pl cli -am");
    String filter = System.getProperty("dockyard.test.filter", "");
    Assumptions.assumeTrue(filter.isEmpty() || filter.startsWith("${") || filter.contains("ReadmeSnippets"),
        "-Dtest=" + filter + " names other tests");
    List<String> probe = new ArrayList<>(List.of("unshare"));
    if (!realRoot) probe.addAll(List.of("--user", "--map-root-user"));
    probe.addAll(List.of("--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "true"));
    Process ns = new ProcessBuilder(probe).redirectErrorStream(true).start();
    String nsOut = new String(ns.getInputStream().readAllBytes());
    Assumptions.assumeTrue(ns.waitFor(30, TimeUnit.SECONDS) && ns.exitValue() == 0,
        "the snippets run in their own namespaces and `" + String.join(" ", probe) + "` failed: " + nsOut.strip());
    List<Block> blocks = parse(repo.resolve("README.md"));
    Map<Path, String> etcBefore = fingerprint();
    String gitBefore = git("status", "--porcelain", "--untracked-files=all");
    prepareCli();
    List<DynamicTest> tests = new ArrayList<>();
    for (Block b : blocks) tests.add(DynamicTest.dynamicTest(b.name(), () -> check(b, blocks)));
    tests.add(DynamicTest.dynamicTest("the host's /etc is unchanged", () -> {
      printSummary();
      assertEquals(etcBefore, fingerprint(), "a README snippet changed the host's /etc");
    }));
    tests.add(DynamicTest.dynamicTest("the clone is unchanged (git status)", () ->
        assertEquals(gitBefore, git("status", "--porcelain", "--untracked-files=all"), "a README snippet wrote into the clone")));
    return tests.stream();
  }

  void check(Block b, List<Block> all) throws Exception {
    Marker m = b.marker();
    if (m == null) fail("README.md:" + b.line() + ": a ```sh block without a <!-- test: run|skip ... --> marker on the line before it");
    String unmet = m.run() ? unmet(m) : m.skipReason();
    if (unmet != null) {
      note(b, "not run: " + unmet);
      Assumptions.abort("README.md:" + b.line() + " not run: " + unmet);
    }
    Map<Integer, Outcome> results = sessions.get(m.session());
    if (results == null) {
      results = runSession(m.session(), all.stream().filter(o -> o.marker() != null && o.marker().run()
          && o.marker().session().equals(m.session()) && unmet(o.marker()) == null).toList());
      sessions.put(m.session(), results);
    }
    Outcome o = results.get(b.line());
    note(b, o.passed() ? "ran, passed" : "FAILED");
    if (!o.passed()) fail(o.message());
  }

  /** Why a run block cannot run here, or null. */
  String unmet(Marker m) {
    if (m.root() && !realRoot) return "needs root";
    for (String need : m.needs()) {
      int colon = need.indexOf(':');
      String kind = need.substring(0, colon), what = need.substring(colon + 1);
      boolean ok = switch (kind) {
        case "cmd" -> onPath(what);
        case "path" -> Files.exists(Path.of(what));
        case "fs" -> kernelHasFs(what);
        default -> throw new IllegalArgumentException("unknown need " + need);
      };
      if (!ok) return switch (kind) {
        case "cmd" -> "needs `" + what + "` on PATH";
        case "path" -> "needs " + what;
        default -> "needs the kernel's " + what + " filesystem (not in /proc/filesystems, no module to load)";
      };
    }
    return null;
  }

  Map<Integer, Outcome> runSession(String session, List<Block> blocks) throws Exception {
    Path dir = repo.resolve("cli/target/readme-snippets").resolve(session.replaceAll("[^A-Za-z0-9_.-]", "_"));
    deleteTree(dir);
    Files.createDirectories(dir);
    Path status = dir.resolve("status"), log = dir.resolve("log");
    StringBuilder driver = new StringBuilder("""
        # generated by ReadmeSnippetsIT: one README session in fresh namespaces
        set -e
        cur=0
        REPO=%s STATUS=%s DIR=%s
        # a clone that lives under /tmp, /run or /mnt (CI may put it there) would vanish under the
        # fresh tmpfs: hold it by an fd and bind it back at its own path
        exec 7<"$REPO"
        mount -t tmpfs -o mode=1777 readme-tmp /tmp
        mount -t tmpfs -o mode=755 readme-run /run
        mount -t tmpfs -o mode=755 readme-mnt /mnt
        if [ ! -d "$REPO/cli" ]; then mkdir -p "$REPO" && mount --no-canonicalize --bind /proc/self/fd/7 "$REPO"; fi
        exec 7<&-
        ip link set lo up 2>/dev/null || busybox ip link set lo up
        export HOME=/tmp/home
        mkdir -p "$HOME" /tmp/clone
        # the clone's top level as symlinks with the entries' own times (bin/dockyard compares times to rebuild)
        for e in "$REPO"/*; do ln -s "$e" /tmp/clone/; touch -h -r "$e" "/tmp/clone/${e##*/}"; done
        cd /tmp/clone
        trap '{ rc=$?; set +x; } 2>/dev/null; echo "FAIL $cur $((cur + LINENO)) $rc $BASH_COMMAND" >> "$STATUS"' ERR
        """.formatted(q(repo.toString()), q(status.toString()), q(dir.toString())));
    Duration timeout = Duration.ofSeconds(30);
    for (Block b : blocks) {
      Path code = dir.resolve("block-" + b.line() + ".sh");
      // tracing starts on the block's first line (same line, so LINENO still counts README lines)
      Files.writeString(code, "set -x; " + b.code());
      String in = "/dev/null";
      if (b.marker().stdin() != null) {
        Path input = dir.resolve("block-" + b.line() + ".in");
        Files.writeString(input, b.marker().stdin().replace("\\n", "\n") + "\n");
        in = q(input.toString());
      }
      driver.append("""
          cur=%d; echo "BEGIN $cur" >> "$STATUS"
          PS4='+ README.md:$((cur + LINENO)): '
          . %s < %s
          { set +x; } 2>/dev/null
          echo "END $cur" >> "$STATUS"
          """.formatted(b.line(), q(code.toString()), in));
      timeout = timeout.plus(b.marker().timeout());
    }
    Files.writeString(dir.resolve("driver.sh"), driver);
    long limit = timeout.toSeconds();

    List<String> cmd = new ArrayList<>(List.of("unshare"));
    if (!realRoot) cmd.addAll(List.of("--user", "--map-root-user"));
    cmd.addAll(List.of("--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "bash", dir.resolve("driver.sh").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    // the user's settings would point the snippets at the host's servers and directories
    pb.environment().keySet().removeIf(k -> k.startsWith("XDG_") || k.startsWith("DOCKYARD_") || k.startsWith("DATAKIT_"));
    long start = System.nanoTime();
    Process p = pb.start();
    boolean finished = p.waitFor(limit, TimeUnit.SECONDS);
    if (!finished) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    summary.append(String.format("session %s: %d block(s), %.1f s%s%n", session, blocks.size(), seconds, finished ? "" : " (timed out)"));

    List<String> lines = Files.exists(status) ? Files.readAllLines(status) : List.of();
    String trace = tail(Files.readString(log, StandardCharsets.UTF_8), 6000);
    Map<Integer, Outcome> out = new LinkedHashMap<>();
    for (Block b : blocks) {
      String began = "BEGIN " + b.line(), ended = "END " + b.line(), failed = "FAIL " + b.line() + " ";
      if (lines.contains(ended)) {
        out.put(b.line(), new Outcome(true, "passed"));
      } else if (!lines.contains(began)) {
        String why = lines.stream().anyMatch(l -> l.startsWith("FAIL 0 ")) ? "the session's set-up failed"
            : finished ? "an earlier block of session " + session + " failed" : "session " + session + " timed out before it";
        out.put(b.line(), new Outcome(false, "README.md:" + b.line() + ": not reached: " + why
            + "\n--- trace of session " + session + " (" + log + ") ---\n" + trace));
      } else {
        String where = lines.stream().filter(l -> l.startsWith(failed)).findFirst()
            .map(l -> { String[] f = l.split(" ", 5);
              return "README.md:" + f[2] + ": `" + (f.length > 4 ? f[4] : "") + "` exited " + f[3]; })
            .orElseGet(() -> finished ? "README.md:" + b.line() + ": the block stopped the shell (exit status " + p.exitValue()
                + ", last command " + lastTraced(trace) + ")"
                : "README.md:" + b.line() + ": timed out after " + limit + " s in " + lastTraced(trace));
        out.put(b.line(), new Outcome(false, where + "\n--- trace of session " + session + " (" + log + ") ---\n" + trace));
      }
    }
    return out;
  }

  static String lastTraced(String trace) {
    String last = "(none traced)";
    for (String l : trace.split("\n")) {
      Matcher m = Pattern.compile("^\\++ (README\\.md:\\d+): (.*)$").matcher(l);
      if (m.matches()) last = m.group(1) + " `" + m.group(2) + "`";
    }
    return last;
  }

  static List<Block> parse(Path readme) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!FENCE.matcher(lines.get(i)).matches()) continue;
      int start = i;
      StringBuilder code = new StringBuilder();
      for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) code.append(lines.get(i)).append('\n');
      if (i == lines.size()) throw new IllegalStateException("README.md:" + (start + 1) + ": unclosed ``` block");
      Marker marker = start > 0 ? marker(lines.get(start - 1), start) : null;
      blocks.add(new Block(start + 1, code.toString(), marker));
    }
    return blocks;
  }

  static Marker marker(String line, int index) {
    Matcher m = MARKER.matcher(line.strip());
    if (!m.matches()) return null;
    String rest = m.group(2).strip();
    if (m.group(1).equals("skip")) {
      if (rest.isEmpty()) throw new IllegalArgumentException("README.md:" + index + ": `test: skip` needs a reason");
      return new Marker(false, false, null, DEFAULT_TIMEOUT, List.of(), null, rest);
    }
    boolean root = false;
    String session = "README.md:" + (index + 1), stdin = null;
    Duration timeout = DEFAULT_TIMEOUT;
    List<String> needs = List.of();
    Matcher a = ATTR.matcher(rest);
    while (a.find()) {
      String key = a.group(1), value = a.group(2) == null ? null : a.group(2).replaceAll("^\"|\"$", "");
      switch (key) {
        case "root" -> root = true;
        case "session" -> session = value;
        case "timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value));
        case "needs" -> needs = List.of(value.split(","));
        case "stdin" -> stdin = value;
        default -> throw new IllegalArgumentException("README.md:" + index + ": unknown marker attribute " + key);
      }
    }
    return new Marker(true, root, session, timeout, needs, stdin, null);
  }

  /**
   * bin/dockyard rebuilds when it finds no build stamp, which would start a Maven build inside this
   * one; the jar was packaged from these sources in this very build, so the stamp is true. Its AOT
   * cache is made here once, outside the sessions.
   */
  void prepareCli() throws Exception {
    Path jar = repo.resolve("cli/target/dockyard-cli.jar"), stamp = repo.resolve("cli/target/.built"), aot = repo.resolve("cli/target/dockyard.aot");
    assertTrue(Files.isRegularFile(jar), jar + " missing: run in the integration-test phase");
    if (!Files.exists(stamp)) Files.createFile(stamp);
    Files.setLastModifiedTime(stamp, FileTime.fromMillis(System.currentTimeMillis()));
    if (Files.exists(aot) && Files.getLastModifiedTime(aot).compareTo(Files.getLastModifiedTime(jar)) < 0) Files.delete(aot);
    Process p = new ProcessBuilder(repo.resolve("bin/dockyard").toString(), "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/dockyard --version did not finish");
    assertEquals(0, p.exitValue(), "bin/dockyard --version: " + out);
  }

  void note(Block b, String what) {
    summary.append(String.format("  %-70s %s%n", b.name(), what));
  }

  void printSummary() {
    System.out.println("README snippets:\n" + summary);
  }

  static Map<Path, String> fingerprint() throws Exception {
    Map<Path, String> f = new LinkedHashMap<>();
    for (Path p : WATCHED) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) { f.put(p, s.map(Path::toString).sorted().toList().toString()); }
      } else if (Files.exists(p)) {
        f.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      } else {
        f.put(p, "absent");
      }
    }
    return f;
  }

  String git(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  static Path locateRepo() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("README.md")) && Files.isRegularFile(d.resolve("bin/dockyard"))) return d;
    }
    throw new IllegalStateException("no clone (README.md and bin/dockyard) above " + dir);
  }

  static boolean onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) return true;
    }
    return false;
  }

  static boolean kernelHasFs(String type) {
    try {
      if (Files.readAllLines(Path.of("/proc/filesystems")).stream().anyMatch(l -> l.endsWith("\t" + type))) return true;
      Path modules = Path.of("/lib/modules", new String(Files.readAllBytes(Path.of("/proc/sys/kernel/osrelease"))).strip(), "kernel/fs", type);
      return Files.isDirectory(modules);
    } catch (IOException e) {
      return false;
    }
  }

  static String q(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  static String tail(String s, int max) {
    return s.length() <= max ? s : "…" + s.substring(s.length() - max);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
