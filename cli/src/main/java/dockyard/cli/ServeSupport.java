package dockyard.cli;

import dockyard.datakit.DataKitServer;
import dockyard.p9.Endpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Runs servers in the foreground until Ctrl-C, closing them cleanly on the way out. */
final class ServeSupport {
    private ServeSupport() {}

    /**
     * Ctrl-C or SIGTERM for a serving verb: {@link #await()} returns when one arrives, and the
     * shutdown hook then waits (a bounded time) for this handle's {@link #close()}, so that the
     * verb's try-with-resources (sockets removed, databases closed) finishes before the JVM halts.
     * Without the wait the JVM exits as soon as the hook has run and files such as a listen
     * socket are left behind. Open it first in the try, so that it is closed last.
     */
    static final class UntilInterrupted implements AutoCloseable {
        private final CountDownLatch stop = new CountDownLatch(1);
        private final CountDownLatch cleaned = new CountDownLatch(1);
        private final Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                cleaned.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dockyard-shutdown");

        UntilInterrupted() {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void await() throws InterruptedException {
            stop.await();
        }

        @Override public void close() {
            cleaned.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is what waits for us
            }
        }
    }

    /**
     * Fails, naming the address, when a TCP address cannot be bound: a serving verb checks this
     * before it creates anything on disk, so a busy port leaves nothing behind.
     */
    static void checkBindable(java.net.InetSocketAddress a) throws IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(a);
        } catch (IOException e) {
            String where = a.getHostString() + ":" + a.getPort();
            String why = String.valueOf(e.getMessage());
            throw new java.net.BindException(where + ": " + (why.toLowerCase(java.util.Locale.ROOT).contains("already in use") ? "address already in use" : why));
        }
    }

    /**
     * Serves {@code git} on each listen address and blocks until the JVM is asked to stop. Every
     * TCP address is checked before the repository is opened, and a repository this call created
     * is removed again when serving fails, so a busy port leaves nothing behind.
     */
    static void serveDataKit(Path git, List<String> listen, PrintStream out) throws IOException, InterruptedException {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String l : listen) {
            Endpoint e = Endpoint.parse(l);
            if (e.address() instanceof java.net.InetSocketAddress a) {
                try {
                    checkBindable(a);
                } catch (IOException busy) {
                    throw new IOException("datakit: " + busy.getMessage() + "; nothing was created", busy);
                }
            }
            endpoints.add(e);
        }
        Path created = firstMissing(git.toAbsolutePath());
        List<DataKitServer> servers = new ArrayList<>();
        try (UntilInterrupted stop = new UntilInterrupted()) {
            try {
                for (Endpoint e : endpoints) {
                    DataKitServer s = DataKitServer.start(git, e);
                    servers.add(s);
                    out.println("datakit: serving " + git + " on " + s.endpoint());
                }
            } catch (IOException | RuntimeException e) {
                servers.forEach(DataKitServer::close);
                if (created != null) deleteTree(created);
                throw new IOException("cannot serve on " + listen + ": " + e.getMessage(), e);
            }
            out.flush();
            try {
                stop.await();
            } finally {
                servers.forEach(DataKitServer::close);
            }
        }
    }

    /** The outermost directory of {@code p} (or {@code p} itself) that does not exist yet; null when {@code p} exists. */
    static Path firstMissing(Path p) {
        Path missing = null;
        for (Path q = p; q != null && !Files.exists(q, java.nio.file.LinkOption.NOFOLLOW_LINKS); q = q.getParent()) missing = q;
        return missing;
    }

    /** Removes what a failed start created (only ever a tree that did not exist before it). */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
