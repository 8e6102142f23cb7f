package dockyard.datakit;

import dockyard.p9.client.P9Client;
import dockyard.p9.client.RemoteException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kill -9 of a DataKit server (its own JVM) in the middle of a stream of commits made through the
 * 9P client, three times over on the same repository: after each restart every commit that was
 * acknowledged (the ctl write returned and the new head was read back) is in the branch's history,
 * with its file in the head tree; transactions that were open at kill time left nothing behind;
 * {@code git fsck --strict} passes; and the restarted server takes new commits on top.
 */
class CrashTest {
    private static final int ROUNDS = 3;
    private static final int MIN_ACKS_BEFORE_KILL = 12;

    @TempDir Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void acknowledgedCommitsSurviveKill9AndOpenTransactionsLeaveNoTrace() throws Exception {
        Path repo = tmp.resolve("repo.git");
        Map<Integer, String> acked = new ConcurrentSkipListMap<>(); // sequence number -> commit id
        AtomicInteger next = new AtomicInteger();
        List<Integer> unsure = new ArrayList<>();                   // the commit in flight at each kill

        for (int round = 0; round < ROUNDS; round++) {
            try (ServerProcess server = ServerProcess.start(repo);
                 P9Client writer = P9Client.connect(server.endpoint());
                 P9Client other = P9Client.connect(server.endpoint())) {
                if (round > 0) assertRestartSeesEverything(writer, repo, acked);
                DataKitOps.ensureBranch(writer, "master");

                // written, never committed: open on another connection when the server dies
                String open = DataKitOps.startTx(other, "master", "open-" + round);
                DataKitOps.write(other, open, "uncommitted/round-" + round + ".txt", "must not survive\n");
                other.writeString(open + "/msg", "never committed " + round);

                int ackedBefore = acked.size();
                AtomicReference<Throwable> ended = new AtomicReference<>();
                AtomicInteger committing = new AtomicInteger(-1); // the commit whose ctl write is being sent
                List<Long> commitNanos = new CopyOnWriteArrayList<>();  // how long each ctl commit took
                Thread streamer = Thread.ofPlatform().name("commit-stream-" + round).start(() -> {
                    try {
                        while (true) {
                            int i = next.getAndIncrement();
                            String tx = DataKitOps.startTx(writer, "master", "c" + i);
                            DataKitOps.write(writer, tx, "seq/" + i + ".txt", "commit " + i + "\n");
                            writer.writeString(tx + "/msg", "crash-test commit " + i);
                            long t0 = System.nanoTime();
                            committing.set(i);
                            String id = DataKitOps.ctlCommit(writer, tx);
                            commitNanos.add(System.nanoTime() - t0);
                            acked.put(i, id);
                        }
                    } catch (Throwable t) {
                        ended.set(t);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (acked.size() - ackedBefore < MIN_ACKS_BEFORE_KILL) {
                    if (!streamer.isAlive()) fail("the commit stream stopped before the kill", ended.get());
                    if (System.nanoTime() > deadline) fail("only " + (acked.size() - ackedBefore) + " commits in 60 s");
                    Thread.sleep(2);
                }
                // aim at the commit itself: a random moment within about one commit's time after
                // `commit` is sent to ctl (objects, ref lock, fsync, rename, reply)
                long window = Math.max(1, commitNanos.stream().mapToLong(Long::longValue).sum() * 5 / 4 / commitNanos.size());
                int target = committing.get() + 1;
                while (committing.get() < target && streamer.isAlive()) Thread.onSpinWait();
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(0, window));
                server.kill9();
                streamer.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(streamer.isAlive(), "the commit stream must notice the dead server");
                assertInstanceOf(IOException.class, ended.get(), "the stream ends with the connection error");
                assertFalse(ended.get() instanceof RemoteException, () -> "the server refused a commit before the kill: " + ended.get());
                unsure.add(committing.get());
            }
        }

        try (ServerProcess server = ServerProcess.start(repo); P9Client c = P9Client.connect(server.endpoint())) {
            assertRestartSeesEverything(c, repo, acked);
            // the restarted server works: a new commit lands on top of the recovered head
            String before = DataKitOps.head(c, "master");
            String after = DataKitOps.commitFiles(c, "master", "after", Map.of("after-crash.txt", "alive\n"), "after the last crash");
            assertEquals(before, new GitCli(repo).run("log", "-1", "--format=%P", after).strip());
        }

        GitCli git = new GitCli(repo);
        Set<String> history = new HashSet<>(git.run("rev-list", "master").lines().toList());
        int commits = history.size();
        // every acknowledged commit, plus possibly the one in flight at each kill, plus "after"
        assertTrue(commits >= acked.size() + 1 && commits <= acked.size() + 1 + ROUNDS,
                "history has " + commits + " commits for " + acked.size() + " acknowledged (in flight at kills: " + unsure + ")");
        assertEquals(List.of("refs/heads/master"), git.run("for-each-ref", "--format=%(refname)").lines().toList());
        git.assertFsckStrict();
        System.out.println("[CrashTest] " + ROUNDS + " kill -9 rounds, " + acked.size() + " acknowledged commits all present; "
                + (commits - 1 - acked.size()) + " of the " + ROUNDS + " in-flight commits also landed");
    }

    /**
     * The lock files git and JGit take (O_EXCL create, write, fsync, rename) stay behind when the
     * server is killed inside that window: {@code refs/heads/B.lock} from a commit's ref update,
     * {@code config.lock} from the config save at start-up. The random kills above hit the first
     * now and then; here both are left on purpose after a real kill -9, and the restarted server
     * must start and take commits on that branch again.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void lockFilesLeftByAKilledServerDoNotBlockTheRestartedOne() throws Exception {
        Path repo = tmp.resolve("locks.git");
        String first;
        try (ServerProcess server = ServerProcess.start(repo); P9Client c = P9Client.connect(server.endpoint())) {
            DataKitOps.ensureBranch(c, "master");
            first = DataKitOps.commitFiles(c, "master", "one", Map.of("one.txt", "1\n"), "before the kill");
            server.kill9();
        }
        // what a kill between the lock's creation and its rename leaves (JGit writes the new id into the lock)
        Files.writeString(repo.resolve("refs/heads/master.lock"), "0123456789012345678901234567890123456789\n");
        Files.writeString(repo.resolve("config.lock"), "[core]\n");

        ServerProcess server;
        try {
            server = ServerProcess.start(repo);
        } catch (IOException e) {
            throw new AssertionError("a config.lock left by a kill during start-up keeps the server from starting: " + e.getMessage(), e);
        }
        try (server; P9Client c = P9Client.connect(server.endpoint())) {
            assertEquals(first, DataKitOps.head(c, "master"));
            String second;
            try {
                second = DataKitOps.commitFiles(c, "master", "two", Map.of("two.txt", "2\n"), "after the kill");
            } catch (IOException e) {
                throw new AssertionError("a refs/heads/master.lock left by a kill inside a ref update blocks commits: " + e.getMessage(), e);
            }
            GitCli git = new GitCli(repo);
            assertEquals(second, git.run("rev-parse", "refs/heads/master").strip());
            assertEquals(first, git.run("log", "-1", "--format=%P", second).strip());
            git.assertFsckStrict();
        }
    }

    /** Every acknowledged commit is reachable from master, with its file; no trace of open transactions. */
    private static void assertRestartSeesEverything(P9Client c, Path repo, Map<Integer, String> acked) throws Exception {
        GitCli git = new GitCli(repo);
        String head = git.run("rev-parse", "refs/heads/master").strip();
        assertEquals(head, DataKitOps.head(c, "master"), "head through 9P after restart = git's master");
        Map<String, String> subjects = new HashMap<>(); // every commit reachable from the head -> its subject
        for (String l : git.run("log", "--format=%H %s", head).lines().toList()) subjects.put(l.substring(0, 40), l.substring(41));
        Set<String> files = new HashSet<>(git.run("ls-tree", "-r", "--name-only", head).lines().toList());
        for (var e : acked.entrySet()) {
            assertEquals("crash-test commit " + e.getKey(), subjects.get(e.getValue()),
                    "acknowledged commit " + e.getKey() + " (" + e.getValue() + ") must be reachable from master");
            assertTrue(files.contains("seq/" + e.getKey() + ".txt"), "file of acknowledged commit " + e.getKey() + " missing from head");
        }
        if (!acked.isEmpty()) {
            int last = ((ConcurrentSkipListMap<Integer, String>) acked).lastKey();
            assertEquals("commit " + last + "\n", git.run("show", head + ":seq/" + last + ".txt"));
            // also through the filesystem: the snapshot of the last acknowledged commit
            assertEquals("commit " + last + "\n", c.readString("snapshots/" + acked.get(last) + "/ro/seq/" + last + ".txt"));
        }
        for (String f : files) assertFalse(f.startsWith("uncommitted/"), "an open transaction left " + f);
        assertFalse(git.run("log", "--all", "--format=%s").contains("never committed"), "an open transaction's message reached git");
        git.assertFsckStrict();
    }
}
