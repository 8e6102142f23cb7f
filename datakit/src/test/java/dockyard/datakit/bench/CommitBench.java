package dockyard.datakit.bench;

import dockyard.datakit.DataKitServer;
import dockyard.datakit.client.Branch;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.Transaction;
import dockyard.datakit.client.Watch;
import dockyard.datakit.store.Store;
import dockyard.p9.Endpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DataKit commit throughput and watch latency over 9P on loopback, with command-line git making the
 * same commits in the same run as the anchor. Run by bench/datakit.sh; not a test.
 */
public final class CommitBench {
    private static final double SECONDS = Double.parseDouble(System.getProperty("bench.seconds", "4"));

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("datakit-bench");
        try {
            double one = commitsPerSecond(tmp.resolve("one"), 1);
            double oneNoSync = commitsPerSecond(tmp.resolve("one-nosync"), 1, false);
            double eight = commitsPerSecond(tmp.resolve("eight"), 8);
            double gitPlumbing = gitPlumbingPerSecond(tmp.resolve("git-plumbing"));
            double gitFastImport = gitFastImportPerSecond(tmp.resolve("git-fi"), 2000);
            System.out.printf("%-46s %10s %10s %12s%n", "commits/s (one small file each)", "dockyard", "anchor", "ratio");
            row("1 writer  vs git plumbing (4 procs/commit)", one, gitPlumbing);
            row("8 writers vs git plumbing (4 procs/commit)", eight, gitPlumbing);
            row("1 writer  vs git fast-import (no per-commit ack)", one, gitFastImport);
            row("1 writer, fsync off  vs git plumbing", oneNoSync, gitPlumbing);
            latency(tmp.resolve("latency"), 300);
            Runtime rt = Runtime.getRuntime();
            System.out.printf("heap used at end: %.1f MiB (max %d MiB)%n", (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.maxMemory() >> 20);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void row(String name, double ours, double anchor) {
        System.out.printf("%-46s %10.0f %10.0f %12.2f%n", name, ours, anchor, ours / anchor);
    }

    /** {@code writers} connections committing one small file per transaction to one branch. */
    static double commitsPerSecond(Path git, int writers) throws Exception { return commitsPerSecond(git, writers, true); }

    static double commitsPerSecond(Path git, int writers, boolean fsync) throws Exception {
        Store.Options o = Store.Options.defaults();
        try (DataKitServer server = DataKitServer.start(git, Endpoint.parse("tcp://127.0.0.1:0"),
                new Store.Options(fsync, o.pollMillis(), o.committer()))) {
            try (DataKitClient c = DataKitClient.connect(server.endpoint())) {
                c.createBranch("master");
            }
            AtomicBoolean measuring = new AtomicBoolean(false), stop = new AtomicBoolean(false);
            AtomicLong commits = new AtomicLong();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                all.add(CompletableFuture.runAsync(() -> {
                    try (DataKitClient c = DataKitClient.connect(server.endpoint())) {
                        Branch b = c.branch("master");
                        for (long i = 0; !stop.get(); i++) {
                            try (Transaction t = b.transaction()) {
                                t.write("w" + id + "-" + i, "x").commit();
                            }
                            if (measuring.get()) commits.incrementAndGet();
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofVirtual().start(r)));
            }
            Thread.sleep(1000); // warm-up: JIT, JGit caches
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep((long) (SECONDS * 1000));
            long n = commits.get();
            double s = (System.nanoTime() - t0) / 1e9;
            stop.set(true);
            for (var f : all) f.get(30, TimeUnit.SECONDS);
            return n / s;
        }
    }

    /** git making the same commits one process at a time: hash-object, mktree, commit-tree, update-ref. */
    static double gitPlumbingPerSecond(Path git) throws Exception {
        run(null, "git", "init", "-q", "--bare", git.toString());
        String parent = null;
        int n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < SECONDS * 1e9) {
            String blob = run("x", "git", "--git-dir", git.toString(), "hash-object", "-w", "--stdin");
            String tree = run("100644 blob " + blob + "\tf" + n + "\n", "git", "--git-dir", git.toString(), "mktree");
            List<String> ct = new ArrayList<>(List.of("git", "--git-dir", git.toString(), "commit-tree", tree, "-m", "c" + n));
            if (parent != null) ct.addAll(List.of("-p", parent));
            String commit = run(null, ct.toArray(String[]::new));
            run(null, "git", "--git-dir", git.toString(), "update-ref", "refs/heads/master", commit);
            parent = commit;
            n++;
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** git fast-import streaming {@code n} commits: git's fastest bulk path, no acknowledgement per commit. */
    static double gitFastImportPerSecond(Path git, int n) throws Exception {
        run(null, "git", "init", "-q", "--bare", git.toString());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            in.append("commit refs/heads/master\ncommitter B <b@x> 1700000000 +0000\ndata 2\nc").append('\n');
            // no `from`: fast-import chains each commit onto the branch's tip in its memory
            in.append("M 100644 inline f").append(i).append("\ndata 1\nx\n\n");
        }
        long t0 = System.nanoTime();
        run(in.toString(), "git", "--git-dir", git.toString(), "fast-import", "--quiet");
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** Commit latency alone, and from just before the commit to a blocked head.live reader seeing it. */
    static void latency(Path git, int samples) throws Exception {
        try (DataKitServer server = DataKitServer.start(git, Endpoint.parse("tcp://127.0.0.1:0"));
             DataKitClient writer = DataKitClient.connect(server.endpoint());
             DataKitClient watcher = DataKitClient.connect(server.endpoint())) {
            Branch b = writer.createBranch("master");
            SynchronousQueue<Long> seen = new SynchronousQueue<>();
            Watch w = watcher.branch("master").watchHead();
            w.nextLine(); // the current (empty) head
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        w.nextLine();
                        seen.put(System.nanoTime());
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            });
            long[] commit = new long[samples], roundTrip = new long[samples], ctlOnly = new long[samples];
            for (int i = -50; i < samples; i++) { // 50 warm-up rounds
                Transaction t = b.transaction();
                t.write("f", "v" + i);
                long t0 = System.nanoTime();
                t.commit();
                long t1 = System.nanoTime();
                long t2 = seen.take();
                if (i >= 0) {
                    ctlOnly[i] = t1 - t0;
                    roundTrip[i] = t2 - t0;
                }
                long s0 = System.nanoTime();
                try (Transaction t3 = b.transaction()) { t3.write("g", "v" + i).commit(); }
                if (i >= 0) commit[i] = System.nanoTime() - s0;
                seen.take();
            }
            w.close();
            reader.interrupt();
            System.out.printf("%n%-46s %10s %10s%n", "latency on loopback (" + samples + " samples)", "p50 ms", "p99 ms");
            lat("whole transaction (mkdir, write, commit)", commit);
            lat("ctl commit write alone", ctlOnly);
            lat("commit + watch (ctl write -> head.live line)", roundTrip);
            double p50 = pct(roundTrip, 50) / 1e6;
            System.out.printf("goal: commit+watch round trip under 5 ms at p50: %s (%.2f ms)%n", p50 < 5 ? "PASS" : "MISS", p50);
        }
    }

    private static void lat(String name, long[] ns) {
        System.out.printf("%-46s %10.2f %10.2f%n", name, pct(ns, 50) / 1e6, pct(ns, 99) / 1e6);
    }

    private static long pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    private static String run(String stdin, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) o.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + new String(p.getErrorStream().readAllBytes()));
        return out;
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
