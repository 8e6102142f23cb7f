package dockyard.datakit;

import dockyard.datakit.fs.DataKitFileSystem;
import dockyard.datakit.store.Store;
import dockyard.p9.Endpoint;
import dockyard.p9.server.P9Server;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A running DataKit: a git repository served as a 9P2000.u filesystem on one endpoint.
 * Owns both; closing it stops the listener, then closes the repository.
 */
public final class DataKitServer implements AutoCloseable {
    /** DataKit's well-known 9P port, bound to loopback by default. */
    public static final String DEFAULT_LISTEN = "tcp://127.0.0.1:5640";

    private final Store store;
    private final P9Server server;

    private DataKitServer(Store store, P9Server server) {
        this.store = store;
        this.server = server;
    }

    public static DataKitServer start(Path gitDir, Endpoint listen) throws IOException {
        return start(gitDir, listen, Store.Options.defaults());
    }

    public static DataKitServer start(Path gitDir, Endpoint listen, Store.Options options) throws IOException {
        Store store = Store.open(gitDir, options);
        try {
            return new DataKitServer(store, P9Server.start(new DataKitFileSystem(store), listen));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The embedded default repository: {@code $XDG_DATA_HOME/dockyard/datakit} or {@code ~/.local/share/dockyard/datakit}. */
    public static Path defaultGitDir() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("dockyard").resolve("datakit");
    }

    /** Where clients connect (the real port when the listen address said port 0). */
    public Endpoint endpoint() { return server.endpoint(); }

    public Store store() { return store; }

    /**
     * Serves until killed: {@code --git DIR --listen ADDR}. A plain entry point so tests (and the
     * crash test's kill -9) can run a server in its own JVM without the CLI.
     */
    public static void main(String[] args) throws Exception {
        Path git = defaultGitDir();
        String listen = DEFAULT_LISTEN;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--git" -> git = Path.of(args[++i]);
                case "--listen" -> listen = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: --git DIR --listen ADDR");
            }
        }
        DataKitServer s = start(git, Endpoint.parse(listen));
        System.out.println("datakit serving " + git + " on " + s.endpoint());
        System.out.flush();
        Thread.currentThread().join();
    }

    @Override public void close() {
        try {
            server.close();
        } finally {
            store.close();
        }
    }
}
