package dockyard.datakit;

import dockyard.p9.Endpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * moby/datakit's own Go client ({@code api/go-datakit}) and its test suite, built offline from
 * local git mirrors with the system's Go and run against one of our servers. Used by
 * {@code GoDataKitClientTest} and, through {@link #main}, by {@code bench/datakit-go-compat.sh}.
 *
 * <p>The client is GOPATH-era code with no vendor directory, so a GOPATH is laid out in a scratch
 * directory from three mirrors: moby/datakit, docker/go-p9p (its 9P library) and golang/net (for
 * {@code golang.org/x/net/context}, which go-p9p imports). Nothing is downloaded: GOPROXY=off and
 * GO111MODULE=off. The suite's {@code dial_test.go} hard-codes the Unix socket /var/tmp/foo; it
 * is the one file replaced, by a dial that takes the address from {@code DATAKIT_ADDRESS}, so the
 * server can listen on an ephemeral loopback port. The client and its tests are built unchanged.
 *
 * <p>The mirrors are looked for under {@code $DOCKYARD_MIRROR} (default {@code /work/.mirror}),
 * each as {@code OWNER+NAME/repo} or {@code OWNER+NAME}, a bare git directory.
 */
public final class GoDataKitSuite {
    /** The owner/name of each mirror, and the directories of it that go into the GOPATH. */
    private record Source(String repo, String importPath, String subdir) {}

    private static final List<Source> SOURCES = List.of(
            new Source("moby/datakit", "github.com/moby/datakit", "api/go-datakit"),
            new Source("docker/go-p9p", "github.com/docker/go-p9p", ""),
            new Source("golang/net", "golang.org/x/net", "context"));
    private static final String PACKAGE = "github.com/moby/datakit/api/go-datakit";
    private static final String ADDRESS_ENV = "DATAKIT_ADDRESS";

    /** One test of the suite and how it ended; {@code passed} is false also for one that never finished. */
    public record TestResult(String name, boolean passed) {}

    /** The suite's outcome: every test it lists, and the full output of the run for diagnosis. */
    public record Outcome(List<TestResult> tests, String output, int exitCode) {
        public long passed() { return tests.stream().filter(TestResult::passed).count(); }

        public long failed() { return tests.size() - passed(); }

        public String summary() { return passed() + " passed, " + failed() + " failed"; }
    }

    /** A compiled suite: the test binary and the names it holds. */
    public record Built(Path binary, List<String> tests) {}

    private GoDataKitSuite() {}

    public static Path mirrorRoot() {
        String env = System.getenv("DOCKYARD_MIRROR");
        return Path.of(env != null && !env.isBlank() ? env : "/work/.mirror");
    }

    /** Why the suite cannot run here, or empty when the mirrors and Go are present. */
    public static Optional<String> missing() {
        List<String> why = new ArrayList<>();
        for (Source s : SOURCES)
            if (gitDir(s.repo()).isEmpty())
                why.add("no git mirror of " + s.repo() + " at " + mirrorRoot().resolve(s.repo().replace('/', '+')) + "[/repo]");
        if (findGo().isEmpty()) why.add("no go command (install Go: apt-get install golang-go)");
        if (!onPath("git")) why.add("no git command (apt-get install git)");
        if (why.isEmpty()) return Optional.empty();
        return Optional.of(String.join("; ", why) + ". The mirrors are bare git directories under " + mirrorRoot()
                + " (set DOCKYARD_MIRROR to another folder holding moby+datakit, docker+go-p9p and golang+net)");
    }

    private static Optional<Path> gitDir(String repo) {
        Path base = mirrorRoot().resolve(repo.replace('/', '+'));
        for (Path p : List.of(base.resolve("repo"), base))
            if (Files.isRegularFile(p.resolve("HEAD")) && Files.isDirectory(p.resolve("objects"))) return Optional.of(p);
        return Optional.empty();
    }

    private static Optional<Path> findGo() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path go = Path.of(dir.isEmpty() ? "." : dir, "go");
            if (Files.isExecutable(go)) return Optional.of(go);
        }
        // Debian's golang-go links /usr/bin/go; a versioned install may not be on PATH
        try (Stream<Path> s = Files.list(Path.of("/usr/lib"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("go-"))
                    .map(p -> p.resolve("bin/go")).filter(Files::isExecutable)
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, cmd))) return true;
        return false;
    }

    /**
     * Lays out the GOPATH under {@code scratch} (sources, build cache, temp files all there) and
     * compiles the suite into one test binary.
     */
    public static Built build(Path scratch) throws IOException, InterruptedException {
        Path gopath = scratch.resolve("gopath");
        for (Source s : SOURCES) {
            Path into = Files.createDirectories(gopath.resolve("src").resolve(s.importPath()));
            Path tar = scratch.resolve(s.repo().replace('/', '+') + ".tar");
            List<String> cmd = new ArrayList<>(List.of("git", "--git-dir", gitDir(s.repo()).orElseThrow().toString(),
                    "archive", "--format=tar", "-o", tar.toString(), "HEAD"));
            if (!s.subdir().isEmpty()) cmd.add(s.subdir());
            run(cmd, scratch, Map.of(), 120);
            run(List.of("tar", "-xf", tar.toString(), "-C", into.toString()), scratch, Map.of(), 120);
            Files.delete(tar);
        }
        Path pkg = gopath.resolve("src").resolve(PACKAGE);
        // The one replaced file: the original dials the Unix socket /var/tmp/foo.
        Files.writeString(pkg.resolve("dial_test.go"), """
                //go:build linux || darwin
                // +build linux darwin

                package datakit

                // Written by dockyard's GoDataKitSuite in place of the suite's dial_test.go,
                // which dials the fixed Unix socket /var/tmp/foo: the server's address comes
                // from the environment instead (tcp://HOST:PORT, HOST:PORT or unix:PATH).

                import (
                	"context"
                	"os"
                	"strings"
                )

                func dial(ctx context.Context) (*Client, error) {
                	addr := os.Getenv("%s")
                	if strings.HasPrefix(addr, "unix:") {
                		return Dial(ctx, "unix", strings.TrimPrefix(strings.TrimPrefix(addr, "unix:"), "//"))
                	}
                	return Dial(ctx, "tcp", strings.TrimPrefix(addr, "tcp://"))
                }
                """.formatted(ADDRESS_ENV));
        Path binary = scratch.resolve("go-datakit.test");
        // -vet=off: go test vets by default, and the 2017 sources have Printf verbs vet rejects
        run(List.of(findGo().orElseThrow().toString(), "test", "-vet=off", "-c", "-o", binary.toString(), "."),
                pkg, goEnv(scratch, gopath), 300);
        String listed = run(List.of(binary.toString(), "-test.list", "."), scratch, Map.of(), 60);
        List<String> tests = listed.lines().map(String::strip).filter(l -> l.startsWith("Test")).toList();
        if (tests.isEmpty()) throw new IOException("the go-datakit test binary lists no tests:\n" + listed);
        return new Built(binary, tests);
    }

    private static Map<String, String> goEnv(Path scratch, Path gopath) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GOPATH", gopath.toString());
        env.put("GO111MODULE", "off");
        env.put("GOPROXY", "off");
        env.put("GOFLAGS", "");
        env.put("GOTOOLCHAIN", "local");
        env.put("CGO_ENABLED", "0"); // pure-Go net package: no C compiler needed
        env.put("GOCACHE", Files.createDirectories(scratch.resolve("gocache")).toString());
        env.put("GOTMPDIR", Files.createDirectories(scratch.resolve("gotmp")).toString());
        env.put("HOME", scratch.toString());
        return env;
    }

    /**
     * Runs the suite's tests in their order against the server at {@code server}, each in a process
     * of its own (-test.run ^NAME$): the client calls log.Fatal on some errors, which would end a
     * single process and hide how the later tests fare. A test that did not report PASS (it
     * failed, or the process died or hung) is failed. The server's state carries from one test to
     * the next, as in one {@code go test} run.
     */
    public static Outcome run(Built built, Endpoint server, Path scratch, int timeoutSeconds) throws IOException, InterruptedException {
        String address = address(server);
        List<TestResult> results = new ArrayList<>();
        StringBuilder output = new StringBuilder();
        int worst = 0;
        for (String t : built.tests()) {
            List<String> cmd = List.of(built.binary().toString(), "-test.v", "-test.count=1",
                    "-test.run", "^" + t + "$", "-test.timeout=" + timeoutSeconds + "s");
            Exec r = exec(cmd, scratch, Map.of(ADDRESS_ENV, address, "TMPDIR", scratch.toString()), timeoutSeconds + 30);
            boolean passed = r.exitCode() == 0 && r.output().lines().anyMatch(l -> l.startsWith("--- PASS: " + t + " "));
            results.add(new TestResult(t, passed));
            output.append("### ").append(t).append(" (exit ").append(r.exitCode()).append(")\n").append(r.output());
            if (!r.output().endsWith("\n")) output.append('\n');
            if (r.exitCode() != 0) worst = r.exitCode();
        }
        return new Outcome(results, output.toString(), worst);
    }

    /**
     * The whole suite in one process, as a user's {@code go test} runs it: the tests share the
     * client package's state (its transaction counter) and one connection stays open from
     * TestInit on. Returns the same shape as {@link #run}, the tests counted from this one run.
     */
    public static Outcome runTogether(Built built, Endpoint server, Path scratch, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = List.of(built.binary().toString(), "-test.v", "-test.count=1", "-test.timeout=" + timeoutSeconds + "s");
        Exec r = exec(cmd, scratch, Map.of(ADDRESS_ENV, address(server), "TMPDIR", scratch.toString()), timeoutSeconds + 30);
        List<TestResult> results = new ArrayList<>();
        for (String t : built.tests())
            results.add(new TestResult(t, r.output().lines().anyMatch(l -> l.startsWith("--- PASS: " + t + " "))));
        return new Outcome(results, r.output(), r.exitCode());
    }

    private static String address(Endpoint server) {
        return server.address() instanceof InetSocketAddress a ? "tcp://" + a.getHostString() + ":" + a.getPort() : server.toString();
    }

    private record Exec(int exitCode, String output) {}

    private static String run(List<String> cmd, Path dir, Map<String, String> env, int timeoutSeconds) throws IOException, InterruptedException {
        Exec r = exec(cmd, dir, env, timeoutSeconds);
        if (r.exitCode() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exitCode() + ":\n" + r.output());
        return r.output();
    }

    private static Exec exec(List<String> cmd, Path dir, Map<String, String> env, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                out.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.complete("(output unreadable: " + e.getMessage() + ")");
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            return new Exec(124, out.getNow("") + "\n(killed after " + timeoutSeconds + " s: " + String.join(" ", cmd) + ")");
        }
        try {
            return new Exec(p.exitValue(), out.get(30, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Exec(p.exitValue(), "(output unreadable)");
        }
    }

    /**
     * {@code bench/datakit-go-compat.sh}: builds the suite, serves a fresh repository on an
     * ephemeral loopback port, runs the suite and prints each test and "N passed, M failed".
     * Exits 0 when all passed, 1 when some failed, 2 when it cannot run here (0 with a SMOKE-SKIP
     * line under BENCH_SMOKE=1). The smoke run is the full run: it takes about half a minute.
     */
    public static void main(String[] args) throws Exception {
        Optional<String> why = missing();
        if (why.isPresent()) {
            // bench/smoke's convention: a smoke run that cannot run here says so and passes
            if ("1".equals(System.getenv("BENCH_SMOKE"))) {
                System.out.println("SMOKE-SKIP datakit-go-compat.sh: the whole run: " + why.get());
                System.exit(0);
            }
            System.err.println("datakit-go-compat: cannot run: " + why.get());
            System.exit(2);
        }
        Path scratch = Files.createTempDirectory("datakit-go-compat");
        int exit;
        try {
            long t0 = System.nanoTime();
            Built built = build(scratch);
            long t1 = System.nanoTime();
            Outcome o;
            Outcome together;
            try (DataKitServer server = DataKitServer.start(scratch.resolve("repo.git"), Endpoint.parse("tcp://127.0.0.1:0"))) {
                o = run(built, server.endpoint(), scratch, 120);
                together = runTogether(built, server.endpoint(), scratch, 120);
            }
            long t2 = System.nanoTime();
            if (args.length > 0 && args[0].equals("-v")) System.out.print(o.output() + "### the whole suite in one process\n" + together.output());
            for (TestResult t : o.tests()) System.out.println((t.passed() ? "PASS " : "FAIL ") + t.name());
            System.out.println("then the whole suite again in one process (as go test runs it), on the same server: " + together.summary());
            System.out.printf("go-datakit (moby/datakit api/go-datakit) against dockyard datakit: build %d ms, suite %d ms%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            if (o.failed() + together.failed() > 0 && !(args.length > 0 && args[0].equals("-v")))
                System.out.print(o.output() + "### the whole suite in one process\n" + together.output());
            System.out.println(o.summary());
            exit = o.failed() == 0 && together.failed() == 0 ? 0 : 1;
        } finally {
            deleteTree(scratch);
        }
        System.exit(exit);
    }

    /** Removes a scratch tree; Go's module-less build cache marks files read-only, which does not stop a delete. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
