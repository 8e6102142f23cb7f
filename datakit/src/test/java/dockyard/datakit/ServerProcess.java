package dockyard.datakit;

import dockyard.p9.Endpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code DataKitServer.main --git DIR --listen tcp://127.0.0.1:0} in a JVM of its own (this test
 * JVM's java and class path), so that a test can kill -9 it. The endpoint is read from the line the
 * server prints once it listens.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Endpoint endpoint;

    private ServerProcess(Process process, Endpoint endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    static ServerProcess start(Path gitDir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                DataKitServer.class.getName(), "--git", gitDir.toString(), "--listen", "tcp://127.0.0.1:0"))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuffer seen = new StringBuffer();
        CompletableFuture<Endpoint> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("datakit-server-output").start(() -> {
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    int at = line.lastIndexOf(" on tcp://");
                    if (line.startsWith("datakit serving ") && at > 0) ready.complete(Endpoint.parse(line.substring(at + 4).strip()));
                }
            } catch (IOException ignored) {
                // the process was killed
            }
            ready.completeExceptionally(new IOException("server exited before listening:\n" + seen));
        });
        try {
            return new ServerProcess(p, ready.get(60, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            p.destroyForcibly().waitFor();
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            p.destroyForcibly().waitFor();
            throw new IOException("server did not start listening within 60 s:\n" + seen);
        }
    }

    Endpoint endpoint() { return endpoint; }

    long pid() { return process.pid(); }

    /** SIGKILL (kill -9) and wait for the process to be gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("server " + process.pid() + " survived kill -9");
    }

    @Override public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }
}
