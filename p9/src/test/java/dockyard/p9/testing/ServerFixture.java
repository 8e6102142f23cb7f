package dockyard.p9.testing;

import dockyard.p9.Endpoint;
import dockyard.p9.server.P9Server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@link MemFs} served on loopback TCP or a Unix socket in a temporary directory, with a recording logger. */
public final class ServerFixture implements AutoCloseable {
    public enum Transport { TCP, UNIX }

    public final MemFs fs = new MemFs();
    public final RecordingLogger log = new RecordingLogger();
    public final P9Server server;
    private final Path dir;

    public ServerFixture(Transport transport) throws IOException { this(transport, P9Server.Options.DEFAULT_MAX_MSIZE); }

    public ServerFixture(Transport transport, int maxMsize) throws IOException {
        dir = transport == Transport.UNIX ? Files.createTempDirectory("p9test") : null;
        Endpoint listen = transport == Transport.UNIX ? Endpoint.unix(dir.resolve("9p.sock")) : Endpoint.tcp("127.0.0.1", 0);
        server = P9Server.start(fs, listen, P9Server.Options.defaults().withMaxMsize(maxMsize).withLogger(log));
    }

    public Endpoint endpoint() { return server.endpoint(); }

    @Override
    public void close() throws IOException {
        server.close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("9p.sock"));
            Files.deleteIfExists(dir);
        }
    }
}
