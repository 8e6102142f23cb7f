package dockyard.cli;

import dockyard.datakit.DataKitServer;
import dockyard.p9.Endpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Runs servers in the foreground until Ctrl-C, closing them cleanly on the way out. */
final class ServeSupport {
    private ServeSupport() {}

    /** Serves {@code git} on each listen address and blocks until the JVM is asked to stop. */
    static void serveDataKit(Path git, List<String> listen, PrintStream out) throws IOException, InterruptedException {
        List<DataKitServer> servers = new ArrayList<>();
        try {
            for (String l : listen) {
                DataKitServer s = DataKitServer.start(git, Endpoint.parse(l));
                servers.add(s);
                out.println("datakit: serving " + git + " on " + s.endpoint());
            }
        } catch (IOException | RuntimeException e) {
            servers.forEach(DataKitServer::close);
            throw new IOException("cannot serve on " + listen + ": " + e.getMessage(), e);
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(DataKitServer::close);
            stopped.countDown();
        }));
        stopped.await();
    }
}
