package dockyard.cli;

import dockyard.notary.server.NotaryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code dockyard notary serve}: the notary-server API (plain HTTP; point `notary -s http://HOST:PORT` at it). */
@Command(name = "notary", mixinStandardHelpOptions = true, description = "TUF signing and a notary-server (Notary).",
        subcommands = {NotaryCommand.Serve.class})
final class NotaryCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the notary-server API until interrupted (metadata kept in memory for now).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--listen", description = "HOST:PORT. Default: 127.0.0.1:4443") String listen = "127.0.0.1:4443";

        @Override public Integer call() throws Exception {
            int colon = listen.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("--listen must be HOST:PORT, got \"" + listen + "\"");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            try (NotaryServer s = NotaryServer.start(new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))),
                    m -> System.err.println("notary: " + m))) {
                System.err.println("notary: serving on http://" + listen.substring(0, colon) + ":" + s.port() + " (notary -s http://... works against it)");
                stop.await();
            }
            return 0;
        }
    }
}
