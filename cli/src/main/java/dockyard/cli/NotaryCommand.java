package dockyard.cli;

import dockyard.notary.server.NotaryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code dockyard notary}: the notary CLI's verbs and flags over {@code dockyard.notary.client}
 * (same trust directory layout, so keys and staged changes are shared with the real notary), and
 * {@code serve}, the notary-server API (plain HTTP; point `notary -s http://HOST:PORT` at it).
 */
@Command(name = "notary", mixinStandardHelpOptions = true, description = "TUF signing: a notary client and a notary-server (Notary).",
        subcommands = {NotaryCommand.Serve.class, NotaryClientCommands.Init.class, NotaryClientCommands.Add.class, NotaryClientCommands.Remove.class,
                NotaryClientCommands.ListTargets.class, NotaryClientCommands.Publish.class, NotaryClientCommands.Lookup.class,
                NotaryClientCommands.Verify.class, NotaryClientCommands.Status.class, NotaryClientCommands.AddHash.class,
                NotaryClientCommands.Reset.class, NotaryClientCommands.Delete.class, NotaryClientCommands.Key.class, NotaryClientCommands.Delegation.class})
final class NotaryCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.Mixin NotaryClientCommands.Globals globals;

    @Override public void run() { spec.commandLine().usage(System.out); }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the notary-server API until interrupted; metadata and the server's keys in an H2 database.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--listen", description = "HOST:PORT. Default: 127.0.0.1:4443") String listen = "127.0.0.1:4443";
        @Option(names = "--db", description = "H2 database file (\".mv.db\" is added). Default: $XDG_DATA_HOME/dockyard/notary/server") java.nio.file.Path db;
        @Option(names = "--memory", description = "keep nothing on disk") boolean memory;

        @Override public Integer call() throws Exception {
            int colon = listen.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("--listen must be HOST:PORT, got \"" + listen + "\"");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            java.nio.file.Path file = db;
            if (file == null) {
                String xdg = System.getenv("XDG_DATA_HOME");
                java.nio.file.Path base = xdg != null && !xdg.isEmpty() ? java.nio.file.Path.of(xdg) : java.nio.file.Path.of(System.getProperty("user.home"), ".local", "share");
                file = base.resolve("dockyard").resolve("notary").resolve("server");
            }
            if (!memory) java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            var store = memory ? dockyard.notary.server.Persistence.memory() : dockyard.notary.server.Persistence.h2(file);
            try (NotaryServer s = NotaryServer.start(new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))),
                    m -> System.err.println("notary: " + m), store)) {
                System.err.println("notary: serving on http://" + listen.substring(0, colon) + ":" + s.port() + " (notary -s http://... works against it)" + (memory ? ", in memory" : ", database " + file + ".mv.db"));
                stop.await();
            }
            return 0;
        }
    }
}
