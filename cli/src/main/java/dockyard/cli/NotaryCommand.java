package dockyard.cli;

import dockyard.notary.server.NotaryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;

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
        @Option(names = "--listen", description = "HOST:PORT. Default: the config's server.http_addr, else 127.0.0.1:4443") String listen;
        @Option(names = "--db", description = "H2 database file (\".mv.db\" is added). Default: $XDG_DATA_HOME/dockyard/notary/server") java.nio.file.Path db;
        @Option(names = "--memory", description = "keep nothing on disk (the config's storage.backend \"memory\" says the same)") boolean memory;
        @Option(names = "--tls-cert", description = "serve HTTPS with this PEM certificate (chain). Default: the config's server.tls_cert_file") java.nio.file.Path tlsCert;
        @Option(names = "--tls-key", description = "the certificate's unencrypted PEM private key. Default: the config's server.tls_key_file") java.nio.file.Path tlsKey;
        @Option(names = "--config", description = "a notary-server JSON config: server.http_addr, server.tls_cert_file, server.tls_key_file, storage.backend memory") java.nio.file.Path config;

        @Override public Integer call() throws Exception {
            if (config != null) applyConfig(InputFiles.require(config, "notary serve --config", "notary-server config (JSON)"));
            if (listen == null) listen = "127.0.0.1:4443";
            int colon = listen.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("--listen must be HOST:PORT, got \"" + listen + "\"");
            String host = colon == 0 ? "0.0.0.0" : listen.substring(0, colon);
            if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
            if (tlsCert != null) InputFiles.require(tlsCert, "notary serve --tls-cert", "the server's TLS certificate (PEM)");
            if (tlsKey != null) InputFiles.require(tlsKey, "notary serve --tls-key", "the TLS certificate's private key (PEM)");
            javax.net.ssl.SSLContext tls = tlsCert == null ? null : NotaryServer.tls(tlsCert, tlsKey);
            InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(listen.substring(colon + 1)));
            try {
                ServeSupport.checkBindable(address); // before the database is made: a busy port leaves nothing behind
            } catch (java.io.IOException busy) {
                throw new java.io.IOException("notary: " + busy.getMessage() + "; nothing was created", busy);
            }
            java.nio.file.Path file = db;
            if (file == null) {
                String xdg = System.getenv("XDG_DATA_HOME");
                java.nio.file.Path base = xdg != null && !xdg.isEmpty() ? java.nio.file.Path.of(xdg) : java.nio.file.Path.of(System.getProperty("user.home"), ".local", "share");
                file = base.resolve("dockyard").resolve("notary").resolve("server");
            }
            if (!memory) java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            var store = memory ? dockyard.notary.server.Persistence.memory() : dockyard.notary.server.Persistence.h2(file);
            try (var stop = new ServeSupport.UntilInterrupted(); NotaryServer s = NotaryServer.start(address, m -> System.err.println("notary: " + m), store, tls)) {
                String scheme = tls == null ? "http" : "https";
                System.err.println("notary: serving on " + scheme + "://" + host + ":" + s.port() + " (notary -s " + scheme + "://... works against it)"
                        + (memory ? ", in memory" : ", database " + file + ".mv.db"));
                stop.await();
            }
            return 0;
        }

        /** notary-server's config file: what it says fills in what the flags left unset; paths are relative to the file. */
        private void applyConfig(java.nio.file.Path config) throws java.io.IOException {
            com.fasterxml.jackson.databind.JsonNode c;
            try {
                c = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
            } catch (java.io.IOException e) {
                throw new java.io.IOException("notary-server config " + config + ": " + e.getMessage());
            }
            java.nio.file.Path dir = config.toAbsolutePath().getParent();
            var server = c.path("server");
            if (listen == null && server.path("http_addr").isTextual()) listen = server.get("http_addr").asText();
            if (tlsCert == null && server.path("tls_cert_file").isTextual()) tlsCert = dir.resolve(server.get("tls_cert_file").asText());
            if (tlsKey == null && server.path("tls_key_file").isTextual()) tlsKey = dir.resolve(server.get("tls_key_file").asText());
            String backend = c.path("storage").path("backend").asText("");
            if (backend.equals("memory")) memory = true;
            else if (!backend.isEmpty() && db == null) {
                System.err.println("notary: storage backend \"" + backend + "\" is served from the embedded H2 database instead (--db to place it)");
            }
            if (c.path("trust_service").path("type").asText("local").equals("remote")) {
                System.err.println("notary: trust_service \"remote\" (notary-signer) is not used: this server signs timestamps and snapshots itself");
            }
        }
    }
}
