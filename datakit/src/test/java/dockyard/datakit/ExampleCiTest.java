package dockyard.datakit;

import dockyard.p9.Endpoint;
import dockyard.p9.client.P9Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * examples/ci/ci.sh end to end: the script runs in a qemu guest over the real Linux v9fs mount of a
 * DataKit server on the host, while the test pushes two commits to master through the Java 9P
 * client (a passing build, then, once that one is recorded, a failing one). The CI stops after two
 * builds; command-line git then checks what it recorded on the ci-status branch.
 */
class ExampleCiTest {
    private static final String PASSING_BUILD = """
            echo "building $(cat src/app.txt)"
            test -f src/app.txt || exit 1
            echo "all 3 tests passed"
            """;
    private static final String FAILING_BUILD = """
            echo "building $(cat src/app.txt)"
            echo "test_add FAILED: expected 4, got 5" >&2
            exit 1
            """;

    @TempDir Path tmp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void ciScriptBuildsEachNewHeadAndRecordsItsStatusOnTheCiStatusBranch() throws Exception {
        Path harness = VmHarness.requireHarness();
        Path ci = VmHarness.projectRoot().resolve("examples/ci/ci.sh");
        assertTrue(Files.isRegularFile(ci), "missing " + ci);
        Path work = Files.createDirectories(tmp.resolve("vm"));
        Path guest = work.resolve("ci-guest.sh");
        // the harness ships one guest script: embed ci.sh in it, then run it against the mount
        Files.writeString(guest, """
                MNT=$(pwd) # the harness runs this script inside the mount
                echo "@@CI-START uptime=$(cut -d' ' -f1 /proc/uptime)"
                cat > /tmp/ci.sh <<'DOCKYARD_CI_EOF'
                @@CI_SH@@DOCKYARD_CI_EOF
                timeout 150 sh /tmp/ci.sh "$MNT" master; rc=$?
                echo "@@CI-EXIT $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
                for h in $(ls "$MNT/branch/ci-status/ro"); do echo "@@CI-RESULT $h $(cat "$MNT/branch/ci-status/ro/$h/status")"; done
                exit $rc
                """.replace("@@CI_SH@@", Files.readString(ci)));

        Path repo = tmp.resolve("repo.git");
        String pass, failing;
        VmHarness.Result r;
        try (DataKitServer server = DataKitServer.start(repo, Endpoint.parse("tcp://127.0.0.1:0"));
             P9Client c = P9Client.connect(server.endpoint())) {
            DataKitOps.ensureBranch(c, "master"); // empty: the CI's first head.live line is blank
            int port = ((InetSocketAddress) server.endpoint().address()).getPort();
            VmHarness.Run run = VmHarness.start(harness, port, guest, null, "cache=none", 240, List.of("CI_MAX=2"), work);

            awaitTrue(run, () -> run.consoleSoFar().contains("@@CI-START"), 120, "the guest to start the CI");
            pass = DataKitOps.commitFiles(c, "master", "push-1",
                    Map.of("build.sh", PASSING_BUILD, "src/app.txt", "app v1\n"), "a change that builds");
            // wait for its status before pushing the next head, or head.live may skip this one
            awaitTrue(run, () -> c.exists("branch/ci-status/ro/" + pass + "/status"), 120, "the CI to record " + pass);
            failing = DataKitOps.commitFiles(c, "master", "push-2",
                    Map.of("build.sh", FAILING_BUILD, "src/app.txt", "app v2\n"), "a change that breaks the tests");
            r = run.await();
            // the results read back through the server too
            assertEquals("pass\n", c.readString("branch/ci-status/ro/" + pass + "/status"));
            assertEquals("fail\n", c.readString("branch/ci-status/ro/" + failing + "/status"));
        }
        System.out.println("[ExampleCiTest] " + r.summary());
        r.console().lines().filter(l -> l.startsWith("@@CI") || l.startsWith("ci: ")).forEach(l -> System.out.println("[ExampleCiTest] " + l));
        assertEquals(0, r.exitCode(), r::explain);
        String console = r.console();
        assertTrue(console.contains("ci: " + pass + " pass"), r::explain);
        assertTrue(console.contains("ci: " + failing + " fail"), r::explain);
        assertTrue(console.contains("@@CI-EXIT 0"), r::explain);

        GitCli git = new GitCli(repo);
        assertEquals("pass\n", git.run("show", "ci-status:" + pass + "/status"));
        assertEquals("fail\n", git.run("show", "ci-status:" + failing + "/status"));
        assertEquals("master\n", git.run("show", "ci-status:" + pass + "/branch"));
        String passLog = git.run("show", "ci-status:" + pass + "/log");
        assertTrue(passLog.contains("building app v1") && passLog.contains("all 3 tests passed"), passLog);
        String failLog = git.run("show", "ci-status:" + failing + "/log");
        assertTrue(failLog.contains("building app v2") && failLog.contains("test_add FAILED: expected 4, got 5"), failLog);
        assertFalse(failLog.contains("all 3 tests passed"), failLog);
        assertEquals(List.of("ci: fail for master " + failing, "ci: pass for master " + pass),
                git.run("log", "--format=%s", "ci-status").lines().toList(), "one status commit per build, newest first");
        assertEquals(List.of(failing + "/branch", failing + "/log", failing + "/status", pass + "/branch", pass + "/log", pass + "/status")
                        .stream().sorted().toList(),
                git.run("ls-tree", "-r", "--name-only", "ci-status").lines().toList());
        // the CI only wrote its own branch
        assertEquals(failing, git.run("rev-parse", "refs/heads/master").strip());
        git.assertFsckStrict();
    }

    @FunctionalInterface interface Condition { boolean holds() throws Exception; }

    private static void awaitTrue(VmHarness.Run run, Condition c, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds()) {
            if (!run.alive()) fail("the VM ended while waiting for " + what + ":\n" + run.await().explain());
            if (System.nanoTime() > deadline) fail("timed out after " + seconds + " s waiting for " + what + "; console so far:\n" + run.consoleSoFar());
            Thread.sleep(100);
        }
    }
}
