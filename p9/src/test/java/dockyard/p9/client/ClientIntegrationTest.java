package dockyard.p9.client;

import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.codec.Dialect;
import dockyard.p9.server.P9Server;
import dockyard.p9.testing.*;
import dockyard.p9.testing.ServerFixture.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;

import static org.junit.jupiter.api.Assertions.*;

/** The client against the real server, over loopback TCP and over a Unix socket. */
class ClientIntegrationTest {
    private ServerFixture fx;
    private final List<P9Client> clients = new ArrayList<>();

    private P9Client start(Transport t) throws IOException { return start(t, P9Client.Options.defaults()); }

    private P9Client start(Transport t, P9Client.Options opts) throws IOException {
        fx = populated(new ServerFixture(t));
        return client(opts);
    }

    /** Every test starts from a/b/c (a file) and s (a stream) at the root. */
    private static ServerFixture populated(ServerFixture fx) {
        fx.fs.file("a/b/c", "content of c");
        fx.fs.stream("s");
        return fx;
    }

    private P9Client client(P9Client.Options opts) throws IOException {
        P9Client c = P9Client.connect(fx.endpoint(), opts);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() throws IOException {
        clients.forEach(P9Client::close);
        if (fx != null) fx.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pathLevelOperations(Transport t) throws Exception {
        P9Client c = start(t);
        assertEquals(Dialect.P9_2000_U, c.dialect());
        assertEquals(P9Client.Options.DEFAULT_MSIZE, c.msize());

        c.mkdir("dir");
        c.writeString("dir/note.txt", "first");
        assertEquals("first", c.readString("dir/note.txt"));
        c.writeString("dir/note.txt", "2nd");
        assertEquals("2nd", c.readString("dir/note.txt"), "writeFile truncates");
        c.append("dir/note.txt", " and more".getBytes(StandardCharsets.UTF_8));
        assertEquals("2nd and more", c.readString("dir/note.txt"));
        assertEquals(12, c.stat("dir/note.txt").length());

        c.writeFile("dir/empty", new byte[0]);
        assertArrayEquals(new byte[0], c.readAll("dir/empty"));
        assertEquals(List.of("note.txt", "empty"), c.list("dir").stream().map(Stat::name).toList());
        assertTrue(c.stat("dir").isDir());

        c.rename("dir/note.txt", "renamed.txt");
        assertFalse(c.exists("dir/note.txt"));
        assertEquals("2nd and more", c.readString("dir/renamed.txt"));
        c.truncate("dir/renamed.txt", 3);
        assertEquals("2nd", c.readString("/dir/./renamed.txt"), "leading slash and . are accepted");
        assertEquals("2nd", c.readString("dir/../dir/renamed.txt"));

        c.remove("dir/renamed.txt");
        c.remove("dir/empty");
        c.remove("dir");
        assertFalse(c.exists("dir"));
        assertEquals(List.of("a", "s"), names(c.list("")), "only the fixture's own entries remain");
        assertEquals(0, fx.fs.openFiles(), "every convenience call closed what it opened");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void remoteErrorsCarryTheServersErrno(Transport t) throws Exception {
        P9Client c = start(t);
        c.mkdir("d");
        c.writeString("d/f", "x");
        assertEquals(P9Error.ENOENT, assertThrows(RemoteException.class, () -> c.readAll("missing")).errno());
        assertEquals(P9Error.ENOENT, assertThrows(RemoteException.class, () -> c.readAll("d/missing/deeper")).errno());
        assertEquals(P9Error.EEXIST, assertThrows(RemoteException.class, () -> c.mkdir("d")).errno());
        assertEquals(P9Error.ENOTEMPTY, assertThrows(RemoteException.class, () -> c.remove("d")).errno());
        // A walk failing past its first element tells only where it stopped, so the client reports ENOENT...
        assertEquals(P9Error.ENOENT, assertThrows(RemoteException.class, () -> c.list("d/f/x")).errno());
        // ...while a failing first element carries the server's own errno.
        try (Fid f = c.walk("d/f")) {
            assertEquals(P9Error.ENOTDIR, assertThrows(RemoteException.class, () -> f.walk("x")).errno());
        }
        RemoteException e = assertThrows(RemoteException.class, () -> c.writeString("nodir/f", "x"));
        assertTrue(e.getMessage().contains("nodir"), e.getMessage());
        assertTrue(c.isOpen(), "errors do not hurt the connection");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void fidLevelOperations(Transport t) throws Exception {
        P9Client c = start(t);
        try (Fid dir = c.walk("a/b"); Fid clone = dir.walk()) {
            assertTrue(dir.qid().isDir());
            assertEquals(dir.qid(), clone.qid());
            clone.create("made", 0640, OpenMode.ORDWR);
            assertTrue(clone.isOpen());
            ByteBuffer data = ByteBuffer.wrap("0123456789".getBytes());
            assertEquals(10, clone.write(0, data));
            assertFalse(data.hasRemaining(), "write advances the buffer");
            assertEquals("345", StandardCharsets.UTF_8.decode(clone.read(3, 3)).toString());
            assertEquals(0, clone.read(10, 5).remaining(), "end of file");
            assertEquals("made", clone.stat().name());
        }
        try (Fid f = c.walk("a/b/made")) {
            f.wstat(Stat.dontTouch().withName("moved"));
        }
        Fid moved = c.walk("a/b/moved");
        moved.remove();
        assertFalse(c.exists("a/b/moved"));
        assertEquals(0, fx.fs.openFiles());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void longWalksAreSplitIntoSixteenElementTwalks(Transport t) throws Exception {
        P9Client c = start(t);
        String deep = String.join("/", Collections.nCopies(40, "d"));
        fx.fs.file(deep + "/leaf", "deep down");
        assertEquals("deep down", c.readString(deep + "/leaf"));
        assertEquals("deep down", c.readString(deep + "/../d/leaf"));
        assertFalse(c.exists(deep + "/nope"));
        assertFalse(c.exists(String.join("/", Collections.nCopies(20, "d")) + "/x/" + String.join("/", Collections.nCopies(20, "d"))));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void bigFilesAndLongListingsSpanManyMessagesAtASmallMsize(Transport t) throws Exception {
        P9Client c = start(t, P9Client.Options.defaults().withMsize(600));
        assertEquals(600, c.msize());
        byte[] big = new byte[200_000];
        new Random(42).nextBytes(big);
        c.writeFile("big.bin", big);
        assertArrayEquals(big, c.readAll("big.bin"));

        c.mkdir("many");
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 300; i++) {
            fx.fs.file("many/entry-number-" + i, "");
            expected.add("entry-number-" + i);
        }
        assertEquals(expected, new TreeSet<>(names(c.list("many"))));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void msizeIsTheSmallerOfClientAndServer(Transport t) throws Exception {
        fx = populated(new ServerFixture(t, 2048));
        assertEquals(2048, client(P9Client.Options.defaults()).msize());
        P9Client small = client(P9Client.Options.defaults().withMsize(1024));
        assertEquals(1024, small.msize());
        fx.fs.file("f", "y".repeat(5000));
        try (Fid f = small.walk("f").open(OpenMode.OREAD)) {
            assertEquals(1024 - 24, f.read(0, 100_000).remaining(), "a read is clipped to msize-24");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void plain9P2000Works(Transport t) throws Exception {
        P9Client c = start(t, P9Client.Options.defaults().withDialect(Dialect.P9_2000));
        assertEquals(Dialect.P9_2000, c.dialect());
        c.writeString("a/x", "plain");
        assertEquals("plain", c.readString("a/x"));
        assertEquals(List.of("b", "x"), names(c.list("a")));
        assertEquals(0, assertThrows(RemoteException.class, () -> c.readAll("nope")).errno(), "9P2000 has no errno");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void requestsProceedWhileAStreamReadBlocks(Transport t) throws Exception {
        P9Client c = start(t);
        StreamFile s = stream();
        for (int i = 0; i < 20; i++) fx.fs.file("files/f" + i, "content " + i);

        try (InputStream in = c.openStream("s")) {
            Future<String> blocked = Async.run(() -> new String(in.readNBytes(5), StandardCharsets.UTF_8));
            assertTrue(s.awaitBlockedRead(5_000));

            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> reads = new ArrayList<>();
                for (int round = 0; round < 5; round++)
                    for (int i = 0; i < 20; i++) {
                        int n = i;
                        reads.add(pool.submit(() -> c.readString("files/f" + n)));
                    }
                for (int i = 0; i < reads.size(); i++) assertEquals("content " + (i % 20), reads.get(i).get(10, TimeUnit.SECONDS));
            }
            assertFalse(blocked.isDone(), "the stream read is still waiting for data");
            s.release("hello");
            assertEquals("hello", blocked.get(5, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void openStreamReadsChunksInOrderUntilTheEnd(Transport t) throws Exception {
        P9Client c = start(t);
        StreamFile s = stream();
        s.release("ab");
        s.release("cd");
        s.release("ef");
        s.end();
        try (InputStream in = c.openStream("s")) {
            assertEquals("abcdef", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(-1, in.read());
        }
        Async.waitUntil(() -> fx.fs.openFiles() == 0);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closingAStreamDuringABlockedReadFlushesItPromptly(Transport t) throws Exception {
        P9Client c = start(t);
        StreamFile s = stream();
        InputStream in = c.openStream("s");
        Future<Integer> reader = Async.run(in::read);
        assertTrue(s.awaitBlockedRead(5_000));

        long start = System.nanoTime();
        in.close();
        assertEquals(-1, reader.get(2, TimeUnit.SECONDS), "the blocked read ends as end-of-stream");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2_000, "close returned promptly: " + millis + " ms");
        assertEquals(1, s.interruptedReads(), "the server interrupted the node's read");
        Async.waitUntil(() -> fx.fs.openFiles() == 0);

        s.release("after"); // the flushed read must not wake up and deliver this anywhere
        assertEquals("content of c", c.readString("a/b/c"), "the client still works");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void interruptingAThreadFlushesItsRead(Transport t) throws Exception {
        P9Client c = start(t);
        StreamFile s = stream();
        Fid f = c.walk("s").open(OpenMode.OREAD);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                f.read(0, 10);
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        assertTrue(s.awaitBlockedRead(5_000));
        reader.interrupt();
        assertInstanceOf(RequestFlushedException.class, outcome.get(5, TimeUnit.SECONDS));
        assertEquals(1, s.interruptedReads());
        s.release("next");
        assertEquals("next", StandardCharsets.UTF_8.decode(f.read(0, 10)).toString(), "the fid and connection still work");
        f.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void manyThreadsShareOneClient(Transport t) throws Exception {
        P9Client c = start(t);
        c.mkdir("w");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                int n = i;
                jobs.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        String text = "thread " + n + " round " + round;
                        c.writeString("w/t" + n, text);
                        assertEquals(text, c.readString("w/t" + n));
                    }
                    return null;
                }));
            }
            for (Future<?> j : jobs) j.get(30, TimeUnit.SECONDS);
        }
        assertEquals(32, c.list("w").size());
        assertEquals(0, fx.fs.openFiles());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void closingTheServerReleasesEverything(Transport t) throws Exception {
        P9Client c = start(t);
        StreamFile s = stream();
        Fid open = c.walk("a/b/c").open(OpenMode.OREAD);
        InputStream in = c.openStream("s");
        Future<Integer> blocked = Async.run(in::read);
        assertTrue(s.awaitBlockedRead(5_000));
        assertEquals(2, fx.fs.openFiles());

        fx.server.close();
        assertEquals(0, fx.fs.openFiles(), "every open file was closed");
        assertEquals(1, s.interruptedReads());
        assertEquals(0, fx.server.connectionCount());
        ExecutionException failed = assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, failed.getCause());
        assertThrows(IOException.class, () -> open.read(0, 1));
        assertThrows(IOException.class, () -> c.stat(""));
        assertFalse(c.isOpen());
        assertThrows(IOException.class, () -> P9Client.connect(fx.endpoint()));
        if (fx.endpoint().address() instanceof java.net.UnixDomainSocketAddress u)
            assertFalse(java.nio.file.Files.exists(u.getPath()), "the socket file is gone");
    }

    private StreamFile stream() throws P9Error { return (StreamFile) fx.fs.root().walk("s"); }

    private static List<String> names(List<Stat> stats) { return stats.stream().map(Stat::name).toList(); }
}
