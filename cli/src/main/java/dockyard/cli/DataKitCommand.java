package dockyard.cli;

import dockyard.datakit.DataKitServer;
import dockyard.datakit.client.Branch;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.Transaction;
import dockyard.datakit.client.Watch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code dockyard datakit serve|branch|tx|cat|watch|log}. */
@Command(name = "datakit", mixinStandardHelpOptions = true, description = "Git-backed versioned data served over 9P (DataKit).",
        subcommands = {DataKitCommand.Serve.class, DataKitCommand.BranchCmd.class, DataKitCommand.Tx.class,
                DataKitCommand.Cat.class, DataKitCommand.WatchCmd.class, DataKitCommand.Log.class})
final class DataKitCommand implements Runnable {
    @Option(names = {"-s", "--server"}, defaultValue = "${DATAKIT_SERVER:-" + DataKitServer.DEFAULT_LISTEN + "}",
            description = "Server address for client verbs (tcp://HOST:PORT or unix:PATH; env DATAKIT_SERVER). Default: ${DEFAULT-VALUE}")
    String server;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    DataKitClient connect() throws IOException {
        try {
            return DataKitClient.connect(server);
        } catch (IOException e) {
            throw new IOException("cannot reach the DataKit server at " + server + " (" + e.getMessage() + "); start one with `dockyard datakit serve`", e);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a git repository as a DataKit 9P filesystem until interrupted.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--git", description = "Git repository (an empty or missing directory is initialised). Default: the embedded one in the user's data dir.")
        Path git;

        @Option(names = "--listen", description = "Listen address, repeatable: tcp://HOST:PORT or unix:PATH. Default: " + DataKitServer.DEFAULT_LISTEN)
        List<String> listen = new ArrayList<>();

        @Override public Integer call() throws Exception {
            ServeSupport.serveDataKit(git == null ? DataKitServer.defaultGitDir() : git,
                    listen.isEmpty() ? List.of(DataKitServer.DEFAULT_LISTEN) : listen, System.out);
            return 0;
        }
    }

    @Command(name = "branch", mixinStandardHelpOptions = true, description = "List branches, or create|delete|head|fast-forward one.")
    static final class BranchCmd implements Callable<Integer> {
        @ParentCommand DataKitCommand parent;

        @Parameters(index = "0", arity = "0..1", defaultValue = "list", description = "list | create | delete | head | fast-forward")
        String action;

        @Parameters(index = "1..*", arity = "0..*", description = "NAME [COMMIT]")
        List<String> args = new ArrayList<>();

        @Override public Integer call() throws Exception {
            try (DataKitClient c = parent.connect()) {
                switch (action) {
                    case "list" -> c.branches().forEach(System.out::println);
                    case "create" -> c.createBranch(arg(0));
                    case "delete" -> c.branch(arg(0)).delete();
                    case "head" -> System.out.println(c.branch(arg(0)).head().orElse(""));
                    case "fast-forward" -> c.branch(arg(0)).fastForward(arg(1));
                    default -> throw new IllegalArgumentException("unknown branch action '" + action + "': use list, create, delete, head or fast-forward");
                }
            }
            return 0;
        }

        private String arg(int i) {
            if (args.size() <= i) throw new IllegalArgumentException("branch " + action + " needs " + (i == 0 ? "a branch NAME" : "a COMMIT"));
            return args.get(i);
        }
    }

    @Command(name = "tx", mixinStandardHelpOptions = true, description = "Make one commit on a branch: write, remove, merge, then commit. Prints the new head.")
    static final class Tx implements Callable<Integer> {
        @ParentCommand DataKitCommand parent;

        @Parameters(index = "0", description = "Branch (created if missing)")
        String branch;

        @Option(names = {"-m", "--message"}, description = "Commit message") String message;

        @Option(names = "--put", description = "PATH=TEXT: write TEXT to PATH (repeatable)") List<String> puts = new ArrayList<>();

        @Option(names = "--file", description = "PATH=LOCALFILE: copy a local file to PATH (repeatable)") List<String> files = new ArrayList<>();

        @Option(names = "--rm", description = "PATH to remove (repeatable)") List<String> removes = new ArrayList<>();

        @Option(names = "--merge", description = "Commit id to merge first") String merge;

        @Override public Integer call() throws Exception {
            for (String f : files) local(f); // every local file is checked before the server is asked for anything
            try (DataKitClient c = parent.connect()) {
                if (!c.branchExists(branch)) c.createBranch(branch);
                try (Transaction tx = c.branch(branch).transaction()) {
                    if (merge != null) {
                        List<String> conflicts = tx.merge(merge);
                        if (!conflicts.isEmpty()) throw new IllegalStateException("merge of " + merge + " conflicts in: " + String.join(", ", conflicts));
                    }
                    for (String p : puts) tx.write(key(p), value(p));
                    for (String f : files) tx.write(key(f), Files.readAllBytes(local(f)));
                    for (String r : removes) tx.remove(r);
                    if (message != null) tx.message(message);
                    System.out.println(tx.commit());
                }
            }
            return 0;
        }

        private static String key(String kv) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected PATH=VALUE, got '" + kv + "'");
            return kv.substring(0, eq);
        }

        /** The local file of a {@code --file PATH=LOCALFILE}, which must exist. */
        private static Path local(String spec) throws IOException {
            return InputFiles.require(Path.of(value(spec)), "datakit tx --file " + spec, "local file to store at " + key(spec));
        }

        private static String value(String kv) { return kv.substring(kv.indexOf('=') + 1); }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Print a file of a branch head (BRANCH PATH) or of a commit (--commit ID PATH).")
    static final class Cat implements Callable<Integer> {
        @ParentCommand DataKitCommand parent;
        @Parameters(index = "0", description = "Branch, or commit id with --commit") String ref;
        @Parameters(index = "1", description = "Path in the tree") String path;
        @Option(names = "--commit", description = "Treat the first argument as a commit id") boolean commit;

        @Override public Integer call() throws Exception {
            try (DataKitClient c = parent.connect()) {
                byte[] data = commit ? c.readSnapshot(ref, path) : c.branch(ref).read(path);
                System.out.write(data);
                System.out.flush();
            }
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a branch: its head (no PATH) or one path's tree state (D-/F-/X-/L-hash lines).")
    static final class WatchCmd implements Callable<Integer> {
        @ParentCommand DataKitCommand parent;
        @Parameters(index = "0", description = "Branch") String branch;
        @Parameters(index = "1", arity = "0..1", description = "Path to watch (\".\" for the whole tree)") String path;
        @Option(names = {"-n", "--count"}, description = "Stop after this many lines (default: never)") Integer count;

        @Override public Integer call() throws Exception {
            try (DataKitClient c = parent.connect()) {
                Branch b = c.branch(branch);
                try (Watch w = path == null ? b.watchHead() : b.watch(path.equals(".") ? "" : path)) {
                    for (int i = 0; count == null || i < count; i++) {
                        System.out.println(w.nextLine());
                        System.out.flush();
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "First-parent history of a branch: commit id and first line of the message.")
    static final class Log implements Callable<Integer> {
        @ParentCommand DataKitCommand parent;
        @Parameters(index = "0", description = "Branch") String branch;
        @Option(names = {"-n", "--max-count"}, defaultValue = "20") int max;

        @Override public Integer call() throws Exception {
            try (DataKitClient c = parent.connect()) {
                Optional<String> head = c.branch(branch).head();
                if (head.isEmpty()) return 0;
                for (DataKitClient.Commit k : c.log(head.get(), max)) {
                    String first = k.message().lines().findFirst().orElse("");
                    System.out.println(k.id() + " " + first);
                }
            }
            return 0;
        }
    }
}
