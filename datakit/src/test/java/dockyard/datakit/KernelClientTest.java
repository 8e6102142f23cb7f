package dockyard.datakit;

import dockyard.p9.Endpoint;
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

/**
 * DataKit through the real Linux kernel 9P client (v9fs, version=9p2000.u, cache=none) in a qemu
 * guest: one VM run of {@code kernel9p/datakit-guest.sh} drives branches, transactions (nested
 * files, msg, ctl commit/close), fast-forward, a merge with a conflict that refuses the commit
 * until resolved, snapshots, commits/, trees/, watch tree.live, head.live and reflog picking up
 * commits made by a background process. Then command-line git checks what the server stored.
 */
class KernelClientTest {
    @TempDir Path tmp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void busyboxThroughV9fsDrivesEveryDataKitOperationAndGitAgrees() throws Exception {
        Path harness = VmHarness.requireHarness();
        Path repo = tmp.resolve("repo.git");
        Path work = Files.createDirectories(tmp.resolve("vm"));
        Path guest = VmHarness.resource("datakit-guest.sh", work);
        Path expect = VmHarness.resource("datakit-guest.expect", work);

        VmHarness.Result r;
        try (DataKitServer server = DataKitServer.start(repo, Endpoint.parse("tcp://127.0.0.1:0"))) {
            int port = ((InetSocketAddress) server.endpoint().address()).getPort();
            r = VmHarness.run(harness, port, guest, expect, "cache=none", 240, List.of(), work);
        }
        System.out.println("[KernelClientTest] " + r.summary());
        r.console().lines().filter(l -> l.startsWith("@@TIMING")).forEach(l -> System.out.println("[KernelClientTest] " + l));
        assertTrue(r.failedChecks().isEmpty(), () -> "guest checks failed\n" + r.explain());
        assertEquals(0, r.exitCode(), r::explain);
        assertTrue(r.console().contains("@@MOUNT-OK opts=trans=tcp,port=") && r.console().contains("version=9p2000.u,cache=none"), r::explain);

        Map<String, String> v = r.values();
        for (String k : List.of("M1", "F1", "M2", "M3", "M4", "M5", "M6", "M7", "M1-TREE", "README-LIVE"))
            assertTrue(v.getOrDefault(k, "").matches("([DF]-)?[0-9a-f]{40}"), () -> "guest did not report " + k + ": " + v);

        GitCli git = new GitCli(repo);
        // every commit the guest saw is what git has, in the right shape
        assertEquals(v.get("M7"), git.run("rev-parse", "refs/heads/master").strip(), "master head");
        assertEquals(v.get("F1"), git.run("rev-parse", "refs/heads/feature").strip(), "feature head");
        assertEquals(v.get("M1-TREE"), git.run("rev-parse", v.get("M1") + "^{tree}").strip(), "tree of the first commit");
        assertEquals(v.get("M2") + " " + v.get("F1"), git.run("log", "-1", "--format=%P", v.get("M3")).strip(), "merge parents");
        for (String[] child : new String[][] {{"M2", "M1"}, {"F1", "M1"}, {"M4", "M3"}, {"M5", "M4"}, {"M6", "M5"}, {"M7", "M6"}})
            assertEquals(v.get(child[1]), git.run("log", "-1", "--format=%P", v.get(child[0])).strip(), child[0] + "'s parent");
        assertEquals("", git.run("log", "-1", "--format=%P", v.get("M1")).strip(), "first commit is a root");

        String log = git.run("log", "--format=%s", "master");
        assertEquals(List.of("bg1", "bg2", "bg3", "bg4", "feature change", "first commit", "master change", "merge feature"),
                log.lines().sorted().toList(), "git log of master: every commit, none extra");
        assertEquals(List.of("bg4", "bg3", "bg2", "bg1", "merge feature"), log.lines().limit(5).toList(), "newest first");

        // file contents, as git show has them
        assertEquals("merged version\n", git.run("show", "master:README"));
        assertEquals("deep\n", git.run("show", "master:src/lib/util.txt"));
        assertEquals("line1\nline2\n", git.run("show", "master:src/main.txt"));
        assertEquals("first line\nsecond line\n", git.run("show", "master:notes"));
        assertEquals("only on feature\n", git.run("show", "master:feature.txt"));
        assertEquals("hello\n", git.run("show", v.get("M1") + ":README"));
        assertEquals("feature version\n", git.run("show", "feature:README"));
        assertEquals("two\n", git.run("show", "master:bg2.txt"));
        // what tree.live printed for README is git's blob id for it
        assertEquals(v.get("README-LIVE").substring(2), git.run("rev-parse", v.get("M3") + ":README").strip());
        // the transaction closed with `echo close > ctl` and the refused merge commit left nothing
        String files = git.run("ls-tree", "-r", "--name-only", "master");
        assertFalse(files.contains("abandoned.txt"), files);
        assertEquals(List.of("README", "bg1.txt", "bg2.txt", "bg3.txt", "bg4.txt", "feature.txt", "notes", "src/lib/util.txt", "src/main.txt"),
                files.lines().toList());
        assertFalse(git.run("log", "--all", "--format=%s").contains("never committed"));
        git.assertFsckStrict();
    }
}
