package dockyard.datakit.bench;

import dockyard.datakit.DataKitServer;
import dockyard.datakit.client.Branch;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.Transaction;
import dockyard.datakit.client.Watch;
import dockyard.datakit.store.Store;
import dockyard.p9.Endpoint;
import dockyard.p9.OpenMode;
import dockyard.p9.client.Fid;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DataKit speed against anchors measured in the same run (run by {@code bench/datakit.sh}; not a test):
 * <ol>
 *   <li>commits/s over 9P on loopback, 1 and N writers (each its own connection) committing one small
 *       file per transaction to one branch, fsync on (the default) and off; anchors: command-line git
 *       making the same commits with plumbing (4 processes per commit, driven by bash) with and
 *       without fsync, and {@code git fast-import} (bulk, no acknowledgement per commit);</li>
 *   <li>latency: the ctl commit write alone, a whole transaction, and commit + watch (just before
 *       the ctl write until a second connection blocked on {@code head.live} has the new head);</li>
 *   <li>memory and CPU of the server, which runs in its own JVM so that neither is mixed with the clients'.</li>
 * </ol>
 * Arguments: {@code [--seconds S] [--warmup S] [--server-warmup S] [--samples N] [--writers N] [--fast-import N]}.
 * System property {@code bench.serverJvmArgs}: extra JVM options for the server process (e.g. JFR).
 * For profiling: {@code serve GITDIR FSYNC} runs only a server (prints its endpoint, exits at EOF on
 * stdin); {@code load GITDIR ENDPOINT WRITERS SECONDS} drives one with the commit load of a.
 */
public final class DataKitBench {
    static double seconds = 3, warmup = 2, serverWarmup = 4;
    static int samples = 300, manyWriters = 8, fastImportCommits = 5000;
    static final double GOAL_MS = 5.0;
    static final PrintStream out = System.out;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(Path.of(args[1]), Boolean.parseBoolean(args[2]));
            return;
        }
        if (args.length > 0 && args[0].equals("load")) { // for profiling a server started with "serve": load GITDIR ENDPOINT WRITERS SECONDS
            seconds = Double.parseDouble(args[4]);
            ServerProc attached = new ServerProc(Path.of(args[1]), Endpoint.parse(args[2]));
            Rate r = commitRate(attached, Integer.parseInt(args[3]), "load", 1, seconds);
            out.printf(Locale.ROOT, "%.0f commits/s, p50 %s ms, p99 %s ms%n", r.perSecond(), ms(pct(r.latencyNs(), 50)), ms(pct(r.latencyNs(), 99)));
            return;
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--server-warmup" -> serverWarmup = Double.parseDouble(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--writers" -> manyWriters = Integer.parseInt(args[++i]);
                case "--fast-import" -> fastImportCommits = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--seconds S] [--warmup S] [--server-warmup S] [--samples N] [--writers N] [--fast-import N]");
            }
        }
        Path tmp = Files.createTempDirectory("datakit-bench");
        try {
            run(tmp);
        } finally {
            deleteTree(tmp);
        }
    }

    record Rate(String name, double perSecond, long[] latencyNs, double serverCpuMsPerCommit, double serverCores, double clientCores) {}

    record Latency(long[] commitNs, long[] roundTripNs, long[] transactionNs, Map<String, long[]> steps) {}

    static void run(Path tmp) throws Exception {
        out.printf(Locale.ROOT, "DataKit bench: %s, JDK %s, %d cores, %s; %.1f s per measurement after %.1f s warm-up (%.1f s for a new server JVM)%n",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), Runtime.version(),
                Runtime.getRuntime().availableProcessors(), sh(null, "git", "--version"), seconds, warmup, serverWarmup);
        out.println("server: DataKitServer in its own JVM on tcp://127.0.0.1 (9P2000.u); clients: DataKitClient, one connection per writer");
        out.println("each transaction: mkdir branch/B/transactions/T, write rw/wN (a few bytes), open ctl, write 'commit', read the new head");
        out.println();

        List<Rate> rates = new ArrayList<>();
        Map<String, Latency> lat = new LinkedHashMap<>();
        Map<String, String> mem = new LinkedHashMap<>();
        for (boolean fsync : new boolean[] {true, false}) {
            String tag = fsync ? "fsync on" : "fsync off";
            try (ServerProc s = ServerProc.start(tmp.resolve(fsync ? "dk-fsync" : "dk-nofsync"), fsync)) {
                commitRate(s, 4, "server warm-up", 0, serverWarmup); // JIT: the first seconds of a server JVM are several times slower
                rates.add(commitRate(s, 1, "dockyard 1 writer, " + tag, warmup, seconds));
                rates.add(commitRate(s, manyWriters, "dockyard " + manyWriters + " writers, " + tag, warmup, seconds));
                lat.put(tag, latency(s, "lat"));
                mem.put(tag, s.stats(true));
            }
        }
        Rate gitSync = gitPlumbing(tmp.resolve("git-fsync"), true);
        Rate gitNoSync = gitPlumbing(tmp.resolve("git-nofsync"), false);
        Rate fastImport = gitFastImport(tmp.resolve("git-fi"));

        out.println("a. commits/s, one small file per transaction, one branch");
        out.printf(Locale.ROOT, "%-52s %10s %9s %9s %11s %8s %8s%n", "", "commits/s", "p50 ms", "p99 ms", "srv CPU ms", "srv cpu", "cli cpu");
        out.printf(Locale.ROOT, "%-52s %10s %9s %9s %11s %8s %8s%n", "", "", "per tx", "per tx", "per commit", "cores", "cores");
        for (Rate r : List.of(rates.get(0), rates.get(1), rates.get(2), rates.get(3), gitSync, gitNoSync, fastImport)) {
            out.printf(Locale.ROOT, "%-52s %10.0f %9s %9s %11s %8s %8s%n", r.name(), r.perSecond(),
                    r.latencyNs() == null ? "-" : ms(pct(r.latencyNs(), 50)), r.latencyNs() == null ? "-" : ms(pct(r.latencyNs(), 99)),
                    Double.isNaN(r.serverCpuMsPerCommit()) ? "-" : String.format(Locale.ROOT, "%.2f", r.serverCpuMsPerCommit()),
                    Double.isNaN(r.serverCores()) ? "-" : String.format(Locale.ROOT, "%.2f", r.serverCores()),
                    Double.isNaN(r.clientCores()) ? "-" : String.format(Locale.ROOT, "%.2f", r.clientCores()));
        }
        out.println();
        out.printf(Locale.ROOT, "%-64s %8s%n", "ratio dockyard / anchor (commits/s)", "ratio");
        ratio("1 writer, fsync on   / git plumbing, fsync on", rates.get(0), gitSync);
        ratio(manyWriters + " writers, fsync on  / git plumbing, fsync on", rates.get(1), gitSync);
        ratio("1 writer, fsync off  / git plumbing, git defaults", rates.get(2), gitNoSync);
        ratio(manyWriters + " writers, fsync off / git plumbing, git defaults", rates.get(3), gitNoSync);
        ratio("1 writer, fsync on   / git fast-import", rates.get(0), fastImport);
        ratio(manyWriters + " writers, fsync on  / git fast-import", rates.get(1), fastImport);
        out.println();

        out.printf(Locale.ROOT, "b. latency on loopback, 1 writer + 1 watcher connection, %d samples after %d warm-up%n", samples, samples / 3);
        out.printf(Locale.ROOT, "%-64s %8s %8s %8s%n", "", "p50 ms", "p99 ms", "max ms");
        for (var e : lat.entrySet()) {
            Latency l = e.getValue();
            latRow("ctl commit write alone (" + e.getKey() + ")", l.commitNs());
            latRow("commit + watch: ctl write -> head.live line (" + e.getKey() + ")", l.roundTripNs());
            latRow("whole transaction: mkdir ... clunk ctl (" + e.getKey() + ")", l.transactionNs());
        }
        out.println("  its steps (fsync on):");
        for (var e : lat.get("fsync on").steps().entrySet()) latRow("    " + e.getKey(), e.getValue());
        long[] rt = lat.get("fsync on").roundTripNs();
        double p50 = pct(rt, 50) / 1e6, p99 = pct(rt, 99) / 1e6;
        out.printf(Locale.ROOT, "goal (issue): commit+watch round trip under %.0f ms on loopback, fsync on (the default): p50 %.2f ms %s, p99 %.2f ms %s%n",
                GOAL_MS, p50, p50 < GOAL_MS ? "PASS" : "MISS", p99, p99 < GOAL_MS ? "PASS" : "MISS");
        out.println();

        out.println("c. server JVM after its runs (commits of a. and b.; heap live after a full GC)");
        for (var e : mem.entrySet()) out.printf(Locale.ROOT, "  %-10s %s%n", e.getKey(), e.getValue());
        Runtime rtm = Runtime.getRuntime();
        out.printf(Locale.ROOT, "  %-10s peak RSS %s, heap used %.1f MiB%n", "clients", procStatus("VmHWM"),
                (rtm.totalMemory() - rtm.freeMemory()) / 1048576.0);
    }

    static void ratio(String name, Rate ours, Rate anchor) {
        double r = ours.perSecond() / anchor.perSecond();
        out.printf(Locale.ROOT, "%-64s %8s%n", name, String.format(Locale.ROOT, r < 0.1 ? "%.4f" : "%.2f", r));
    }

    static void latRow(String name, long[] ns) {
        out.printf(Locale.ROOT, "%-64s %8s %8s %8s%n", name, ms(pct(ns, 50)), ms(pct(ns, 99)), ms(pct(ns, 100)));
    }

    static String ms(long ns) { return String.format(Locale.ROOT, "%.2f", ns / 1e6); }

    // ------------------------------------------------------------------ a. commits/s

    /** {@code writers} connections, each committing its own file (new content each time) to one fresh branch. */
    static Rate commitRate(ServerProc s, int writers, String name, double warmup, double seconds) throws Exception {
        String branch = "b" + writers + "-" + System.nanoTime();
        try (DataKitClient c = DataKitClient.connect(s.endpoint)) {
            c.createBranch(branch);
        }
        // 0 = warm-up, 1 = measuring, 2 = stop
        AtomicLong phase = new AtomicLong();
        AtomicLong measured = new AtomicLong();
        long[] done = new long[writers];
        String[] last = new String[writers];
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        LongList[] lats = new LongList[writers];
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            lats[w] = new LongList();
            threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                try (DataKitClient c = DataKitClient.connect(s.endpoint)) {
                    Branch b = c.branch(branch);
                    for (long i = 0; phase.get() < 2; i++) {
                        long p0 = phase.get(), t0 = System.nanoTime();
                        String v = "v" + i + "\n";
                        try (Transaction t = b.transaction()) {
                            t.write("w" + id, v).commit();
                        } catch (IOException e) {
                            errors.add(e);
                            if (errors.size() > 20) return;
                            continue;
                        }
                        long t1 = System.nanoTime();
                        done[id]++;
                        last[id] = v;
                        if (p0 == 1 && phase.get() == 1) {
                            measured.incrementAndGet();
                            lats[id].add(t1 - t0);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        Thread.sleep((long) (warmup * 1000));
        long cpu0 = s.cpuNanos(), cli0 = ownCpuNanos(), t0 = System.nanoTime();
        phase.set(1);
        Thread.sleep((long) (seconds * 1000));
        long n = measured.get();
        phase.set(2);
        long wall = System.nanoTime() - t0, cpu1 = s.cpuNanos(), cli1 = ownCpuNanos();
        for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(60));
        if (!errors.isEmpty()) {
            out.println("!! " + name + ": " + errors.size() + " failed transactions, first: " + errors.getFirst());
        }
        // the history must hold every acknowledged commit, and the tree every writer's last value
        long total = Arrays.stream(done).sum();
        long inGit = Long.parseLong(sh(null, "git", "--git-dir", s.gitDir.toString(), "rev-list", "--count", "refs/heads/" + branch));
        if (inGit != total) out.println("!! " + name + ": " + total + " acknowledged commits but " + inGit + " in git history");
        try (DataKitClient c = DataKitClient.connect(s.endpoint)) {
            for (int w = 0; w < writers; w++) {
                String got = last[w] == null ? null : c.branch(branch).readString("w" + w);
                if (last[w] != null && !last[w].equals(got))
                    out.println("!! " + name + ": writer " + w + " last wrote " + last[w].strip() + " but the head has " + got);
            }
        }
        LongList all = new LongList();
        for (LongList l : lats) all.addAll(l);
        double secs = wall / 1e9;
        return new Rate(name, n / secs, all.toArray(), (cpu1 - cpu0) / 1e6 / Math.max(1, n),
                (cpu1 - cpu0) / (double) wall, (cli1 - cli0) / (double) wall);
    }

    /** Command-line git, one process per step as a shell script would: hash-object, mktree, commit-tree, update-ref (compare-and-swap). */
    static Rate gitPlumbing(Path git, boolean fsync) throws Exception {
        String script = """
                set -eu
                G=$1; DUR_US=$2; shift 2
                git init -q --bare "$G"; export GIT_DIR=$G
                git config core.logAllRefUpdates true   # DataKit keeps a reflog too
                export GIT_AUTHOR_NAME=B GIT_AUTHOR_EMAIL=b@x GIT_COMMITTER_NAME=B GIT_COMMITTER_EMAIL=b@x
                parent=; old=0000000000000000000000000000000000000000; n=0; w=0
                t=$EPOCHREALTIME; t0=$(( ${t%.*} * 1000000 + 10#${t#*.} )); end=$((t0 + DUR_US))
                while :; do
                  blob=$(echo "v$n" | git "$@" hash-object -w --stdin)
                  tree=$(printf '100644 blob %s\\tw0\\n' "$blob" | git "$@" mktree)
                  commit=$(echo "c$n" | git "$@" commit-tree "$tree" ${parent:+-p $parent})
                  git "$@" update-ref -m "commit: c$n" refs/heads/master "$commit" "$old"
                  parent=$commit; old=$commit; n=$((n+1))
                  t=$EPOCHREALTIME; t=$(( ${t%.*} * 1000000 + 10#${t#*.} )); [ "$t" -lt "$end" ] || break
                done
                echo "$n $((t - t0))"
                """;
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "bench", git.toString(),
                Long.toString((long) (seconds * 1e6))));
        // core.fsync (git >= 2.36): loose objects and refs, as DataKit's fsync on (JGit fsyncObjectFiles + fsyncRefFiles)
        if (fsync) cmd.addAll(List.of("-c", "core.fsync=loose-object,reference", "-c", "core.fsyncMethod=fsync"));
        String[] r = sh(null, cmd.toArray(String[]::new)).split(" ");
        double perSecond = Long.parseLong(r[0]) / (Long.parseLong(r[1]) / 1e6);
        return new Rate("git plumbing, 4 procs/commit, " + (fsync ? "fsync objects+refs" : "git defaults (no fsync)"),
                perSecond, null, Double.NaN, Double.NaN, Double.NaN);
    }

    /** {@code git fast-import} making the same commits in one stream: git's bulk path, no acknowledgement per commit. */
    static Rate gitFastImport(Path git) throws Exception {
        sh(null, "git", "init", "-q", "--bare", git.toString());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < fastImportCommits; i++) {
            String msg = "c" + i + "\n", data = "v" + i + "\n";
            in.append("commit refs/heads/master\ncommitter B <b@x> ").append(1700000000 + i).append(" +0000\n")
              .append("data ").append(msg.length()).append('\n').append(msg)
              .append("M 100644 inline w0\ndata ").append(data.length()).append('\n').append(data).append('\n');
        }
        in.append("done\n");
        long t0 = System.nanoTime();
        sh(in.toString(), "git", "--git-dir", git.toString(), "fast-import", "--quiet", "--done");
        double secs = (System.nanoTime() - t0) / 1e9;
        long count = Long.parseLong(sh(null, "git", "--git-dir", git.toString(), "rev-list", "--count", "master"));
        if (count != fastImportCommits) out.println("!! fast-import made " + count + " commits, not " + fastImportCommits);
        return new Rate("git fast-import, " + fastImportCommits + " commits in one stream", fastImportCommits / secs,
                null, Double.NaN, Double.NaN, Double.NaN);
    }

    // ------------------------------------------------------------------ b. latency

    static Latency latency(ServerProc s, String branchPrefix) throws Exception {
        String branch = branchPrefix + "-" + System.nanoTime();
        int warm = samples / 3;
        long[] commit = new long[samples], roundTrip = new long[samples], tx = new long[samples];
        long[] mkdir = new long[samples], write = new long[samples], openCtl = new long[samples], readHead = new long[samples],
                clunk = new long[samples], rpc = new long[samples * 4];
        record Seen(String line, long at) {}
        LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
        try (DataKitClient writer = DataKitClient.connect(s.endpoint);
             DataKitClient watcher = DataKitClient.connect(s.endpoint)) {
            Branch b = writer.createBranch(branch);
            Watch w = watcher.branch(branch).watchHead();
            String first = w.nextLine(); // the current head: blank, no commit yet
            if (!first.isBlank()) throw new IllegalStateException("fresh branch has head " + first);
            Thread reader = Thread.ofPlatform().name("watcher").daemon().start(() -> {
                try {
                    while (true) {
                        String l = w.nextLine();
                        seen.add(new Seen(l, System.nanoTime()));
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
            for (int i = -warm; i < samples; i++) {
                long ts = System.nanoTime();
                Transaction t = b.transaction();
                long tm = System.nanoTime();
                t.write("f", "v" + i + "\n");
                long tw = System.nanoTime();
                long to, t0, t1, tr;
                String head;
                Fid ctl = writer.p9().walk(t.path() + "/ctl").open(OpenMode.ORDWR);
                try {
                    to = System.nanoTime();
                    t0 = System.nanoTime();
                    ctl.writeFully(0, ByteBuffer.wrap("commit".getBytes(StandardCharsets.UTF_8)));
                    t1 = System.nanoTime();
                    ByteBuffer r = ctl.read(0, 128);
                    head = StandardCharsets.UTF_8.decode(r).toString().strip();
                    tr = System.nanoTime();
                } finally {
                    ctl.close();
                }
                long tc = System.nanoTime();
                Seen got = seen.poll(10, TimeUnit.SECONDS);
                if (got == null) throw new IllegalStateException("watcher saw no new head within 10 s after commit " + head);
                if (!got.line().strip().equals(head))
                    throw new IllegalStateException("watcher saw " + got.line() + " but the commit made " + head);
                if (i >= 0) {
                    commit[i] = t1 - t0;
                    roundTrip[i] = got.at() - t0;
                    tx[i] = tc - ts;
                    mkdir[i] = tm - ts;
                    write[i] = tw - tm;
                    openCtl[i] = to - tw;
                    readHead[i] = tr - t1;
                    clunk[i] = tc - tr;
                }
            }
            w.close();
            reader.join(5000);
            // the floor under every step: one 9P request and its answer (Tstat of the attach root)
            Fid root = writer.p9().root();
            for (int i = -rpc.length / 2; i < rpc.length; i++) {
                long a = System.nanoTime();
                root.stat();
                if (i >= 0) rpc[i] = System.nanoTime() - a;
            }
        }
        Map<String, long[]> steps = new LinkedHashMap<>();
        steps.put("mkdir transactions/T", mkdir);
        steps.put("write rw/f (walk, create, write, clunk)", write);
        steps.put("walk + open ctl", openCtl);
        steps.put("ctl write 'commit' (= ctl commit write alone)", commit);
        steps.put("read the new head from ctl", readHead);
        steps.put("clunk ctl", clunk);
        steps.put("one 9P round trip (Tstat of the root, no disk)", rpc);
        return new Latency(commit, roundTrip, tx, steps);
    }

    // ------------------------------------------------------------------ the server process

    /** A DataKitServer in a child JVM (same class path), answering "stats"/"gc-stats" lines on stdin; exits on EOF. */
    static final class ServerProc implements AutoCloseable {
        final Process p;
        final Path gitDir;
        final Endpoint endpoint;
        final BufferedReader fromServer;
        final OutputStream toServer;

        /** An already running server, for "load": no stats (CPU reads as 0). */
        ServerProc(Path gitDir, Endpoint endpoint) {
            this.p = null;
            this.gitDir = gitDir;
            this.endpoint = endpoint;
            this.fromServer = null;
            this.toServer = null;
        }

        private ServerProc(Process p, Path gitDir) throws IOException {
            this.p = p;
            this.gitDir = gitDir;
            this.fromServer = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            this.toServer = p.getOutputStream();
            String l;
            while ((l = fromServer.readLine()) != null && !l.startsWith("endpoint ")) System.err.println("server: " + l); // e.g. JVM logging
            if (l == null) throw new IOException("server did not start");
            this.endpoint = Endpoint.parse(l.substring("endpoint ".length()));
        }

        static ServerProc start(Path gitDir, boolean fsync) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String extra = System.getProperty("bench.serverJvmArgs", "").strip();
            if (!extra.isEmpty()) cmd.addAll(Arrays.asList(extra.split("\\s+")));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DataKitBench.class.getName(),
                    "serve", gitDir.toString(), Boolean.toString(fsync)));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                return new ServerProc(p, gitDir);
            } catch (IOException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }

        synchronized String ask(String q) throws IOException {
            toServer.write((q + "\n").getBytes(StandardCharsets.UTF_8));
            toServer.flush();
            String l = fromServer.readLine();
            if (l == null) throw new IOException("server process ended");
            return l;
        }

        long cpuNanos() throws IOException { return p == null ? 0 : Long.parseLong(ask("cpu")); }

        String stats(boolean gc) throws IOException { return ask(gc ? "gc-stats" : "stats"); }

        @Override public void close() throws IOException {
            toServer.close();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    static void serve(Path git, boolean fsync) throws Exception {
        Store.Options d = Store.Options.defaults();
        try (DataKitServer s = DataKitServer.start(git, Endpoint.parse("tcp://127.0.0.1:0"), new Store.Options(fsync, d.pollMillis(), d.committer()))) {
            System.out.println("endpoint " + s.endpoint());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String l; (l = in.readLine()) != null; ) {
                switch (l) {
                    case "cpu" -> System.out.println(ownCpuNanos());
                    case "stats" -> System.out.println(memoryLine());
                    case "gc-stats" -> {
                        System.gc();
                        System.out.println(memoryLine());
                    }
                    default -> System.out.println("?");
                }
                System.out.flush();
            }
        }
    }

    static String memoryLine() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        long gcs = 0, gcMs = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs += Math.max(0, gc.getCollectionCount());
            gcMs += Math.max(0, gc.getCollectionTime());
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return String.format(Locale.ROOT, "peak RSS %s, RSS now %s, heap live %.1f MiB, heap peak (sum of pools) %.1f MiB, committed %.0f MiB, %d GCs %d ms, CPU %.1f s",
                procStatus("VmHWM"), procStatus("VmRSS"), heap.getUsed() / 1048576.0, peak / 1048576.0,
                heap.getCommitted() / 1048576.0, gcs, gcMs, ownCpuNanos() / 1e9);
    }

    // ------------------------------------------------------------------ helpers

    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A line of /proc/self/status (VmHWM = peak RSS) in MiB, or "?" off Linux. */
    static String procStatus(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status")))
                if (l.startsWith(key + ":"))
                    return String.format(Locale.ROOT, "%.0f MiB", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0);
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "?";
    }

    static long pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        if (s.length == 0) return 0;
        return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1))];
    }

    static String sh(String stdin, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (OutputStream o = p.getOutputStream()) {
                if (stdin != null) o.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the process ended early; its exit status tells
            }
        });
        StringBuilder errText = new StringBuilder();
        Thread err = Thread.ofVirtual().start(() -> {
            try {
                errText.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                // ended
            }
        });
        String res = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        feeder.join();
        err.join();
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd).replace('\n', ' ') + " failed: " + errText);
        return res;
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** A growable long array. */
    static final class LongList {
        long[] a = new long[1024];
        int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(LongList o) {
            for (int i = 0; i < o.n; i++) add(o.a[i]);
        }

        long[] toArray() { return Arrays.copyOf(a, n); }
    }
}
