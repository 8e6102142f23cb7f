package dockyard.datakit;

import dockyard.p9.Endpoint;
import dockyard.p9.client.P9Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Eight 9P connections commit to the same branch at once, each through its own transactions that
 * write a distinct file. A transaction whose branch moved on after it started is merged onto the
 * new head at commit, so none is refused and none is lost: every file ends up in the head tree,
 * every commit message in {@code git log}, every acknowledged commit id in the history.
 */
class ConcurrencyTest {
    private static final int CLIENTS = 8;
    private static final int COMMITS_EACH = 25;

    @TempDir Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void eightClientsCommittingToOneBranchLoseNoCommit() throws Exception {
        Path repo = tmp.resolve("repo.git");
        Map<String, String> origins = new ConcurrentHashMap<>(); // acknowledged commit -> head its transaction started from
        Map<String, String> messages = new ConcurrentHashMap<>(); // acknowledged commit -> its message
        String root;
        long t0, t1;
        try (DataKitServer server = DataKitServer.start(repo, Endpoint.parse("tcp://127.0.0.1:0"));
             P9Client setup = P9Client.connect(server.endpoint())) {
            DataKitOps.ensureBranch(setup, "master");
            root = DataKitOps.commitFiles(setup, "master", "init", Map.of("README", "shared\n"), "initial commit");

            CyclicBarrier go = new CyclicBarrier(CLIENTS);
            List<Thread> threads = new ArrayList<>();
            Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
            t0 = System.nanoTime();
            for (int w = 0; w < CLIENTS; w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                    try (P9Client c = P9Client.connect(server.endpoint())) {
                        go.await();
                        for (int j = 0; j < COMMITS_EACH; j++) {
                            String tx = DataKitOps.startTx(c, "master", "w" + writer + "-" + j);
                            String origin = c.readString(tx + "/origin").strip();
                            DataKitOps.write(c, tx, "writers/w" + writer + "/f" + j + ".txt", "writer " + writer + " file " + j + "\n");
                            String msg = "writer " + writer + " commit " + j;
                            String id = DataKitOps.commit(c, tx, msg);
                            origins.put(id, origin);
                            messages.put(id, msg);
                        }
                    } catch (Throwable t) {
                        failures.put(writer, t);
                    }
                }));
            }
            for (Thread t : threads) t.join(TimeUnit.MINUTES.toMillis(2));
            t1 = System.nanoTime();
            if (!failures.isEmpty()) {
                Throwable first = failures.values().iterator().next();
                fail("writers failed: " + failures.keySet() + ": " + first, first);
            }
            assertEquals(new GitCli(repo).run("rev-parse", "refs/heads/master").strip(), DataKitOps.head(setup, "master"));
        }

        int total = CLIENTS * COMMITS_EACH;
        assertEquals(total, messages.size(), "distinct acknowledged commits");
        GitCli git = new GitCli(repo);
        Map<String, String> subjects = new HashMap<>();
        Map<String, String> firstParent = new HashMap<>();
        for (String l : git.run("log", "--format=%H %P%x09%s", "master").lines().toList()) {
            int tab = l.indexOf('\t');
            String[] ids = l.substring(0, tab).split(" ");
            subjects.put(ids[0], l.substring(tab + 1));
            firstParent.put(ids[0], ids.length > 1 ? ids[1] : "");
        }
        assertEquals(total + 1, subjects.size(), "master's history: the initial commit and every transaction");
        for (var e : messages.entrySet())
            assertEquals(e.getValue(), subjects.get(e.getKey()), "acknowledged commit " + e.getKey() + " in git log");
        assertEquals(total, new HashSet<>(subjects.values()).size() - 1, "every commit message appears once");

        Set<String> files = new HashSet<>(git.run("ls-tree", "-r", "--name-only", "master").lines().toList());
        assertEquals(total + 1, files.size(), "head tree: README and one file per commit");
        for (int w = 0; w < CLIENTS; w++)
            for (int j = 0; j < COMMITS_EACH; j++)
                assertTrue(files.contains("writers/w" + w + "/f" + j + ".txt"), "writer " + w + " file " + j + " lost");
        assertEquals("writer 3 file 17\n", git.run("show", "master:writers/w3/f17.txt"));
        assertEquals("shared\n", git.run("show", "master:README"));
        assertTrue(subjects.containsKey(root));
        // the branch moved on under most transactions; those were merged onto the newer head
        long merged = origins.entrySet().stream().filter(e -> !e.getValue().equals(firstParent.get(e.getKey()))).count();
        assertTrue(merged > 0, "no transaction was ever committed onto a moved branch: the clients did not overlap");
        git.assertFsckStrict();
        double secs = (t1 - t0) / 1e9;
        System.out.printf("[ConcurrencyTest] %d clients x %d commits in %.2f s (%.0f commits/s); %d of %d merged onto a newer head%n",
                CLIENTS, COMMITS_EACH, secs, total / secs, merged, total);
    }
}
