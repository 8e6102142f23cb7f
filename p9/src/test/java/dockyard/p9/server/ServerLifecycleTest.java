package dockyard.p9.server;

import dockyard.p9.Endpoint;
import dockyard.p9.client.P9Client;
import dockyard.p9.testing.Async;
import dockyard.p9.testing.MemFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class ServerLifecycleTest {
    @TempDir Path dir;

    @Test
    void tcpPortZeroReportsTheRealPort() throws Exception {
        MemFs fs = new MemFs();
        fs.file("f", "tcp");
        try (P9Server server = P9Server.start(fs, Endpoint.parse("tcp://127.0.0.1:0"))) {
            int port = ((InetSocketAddress) server.endpoint().address()).getPort();
            assertNotEquals(0, port);
            try (P9Client c = P9Client.connect(Endpoint.tcp("127.0.0.1", port))) {
                assertEquals("tcp", c.readString("f"));
            }
        }
    }

    @Test
    void servesAnAlreadyConnectedChannelUntilThePeerLeaves() throws Exception {
        MemFs fs = new MemFs();
        fs.file("hello", "over a handed-in channel");
        try (P9Server server = P9Server.start(fs, Endpoint.tcp("127.0.0.1", 0));
             ServerSocketChannel side = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            SocketChannel clientEnd = SocketChannel.open(side.getLocalAddress());
            SocketChannel serverEnd = side.accept();
            CompletableFuture<Void> serving = Async.run(() -> {
                server.serve(serverEnd);
                return null;
            });
            P9Client c = P9Client.over(clientEnd, P9Client.Options.defaults());
            assertEquals("over a handed-in channel", c.readString("hello"));
            assertEquals(1, server.connectionCount());
            c.close();
            serving.get(5, TimeUnit.SECONDS);
            assertFalse(serverEnd.isOpen(), "serve closes its channel when it returns");
            assertEquals(0, server.connectionCount());
        }
    }

    @Test
    void unixSocketFileIsCreatedGuardedReplacedWhenStaleAndRemovedOnClose() throws Exception {
        Path sock = dir.resolve("p9.sock");
        MemFs fs = new MemFs();
        fs.file("f", "unix");

        // A crashed server leaves its socket file behind: closing a channel does not unlink it.
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock), "stale socket file present");

        P9Server server = P9Server.start(fs, Endpoint.unix(sock));
        try (P9Client c = P9Client.connect(Endpoint.parse("unix:" + sock))) {
            assertEquals("unix", c.readString("f"));
        }
        assertThrows(BindException.class, () -> P9Server.start(fs, Endpoint.unix(sock)), "a live server keeps its socket");
        server.close();
        assertFalse(Files.exists(sock), "close removes the socket file");
    }

    @Test
    void neverDeletesARegularFileInTheSocketsPlace() throws Exception {
        Path notASocket = dir.resolve("precious.txt");
        Files.writeString(notASocket, "keep me");
        BindException e = assertThrows(BindException.class, () -> P9Server.start(new MemFs(), Endpoint.unix(notASocket)));
        assertTrue(e.getMessage().contains("not a socket"));
        assertEquals("keep me", Files.readString(notASocket));
    }

    @Test
    void closeIsIdempotentAndRefusesLaterChannels() throws Exception {
        P9Server server = P9Server.start(new MemFs(), Endpoint.tcp("127.0.0.1", 0));
        server.close();
        server.close();
        try (ServerSocketChannel side = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            SocketChannel clientEnd = SocketChannel.open(side.getLocalAddress());
            SocketChannel serverEnd = side.accept();
            server.serve(serverEnd); // returns at once: the server is closed
            assertFalse(serverEnd.isOpen());
            clientEnd.close();
        }
    }
}
