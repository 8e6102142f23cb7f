package dockyard.p9.server;

import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.codec.*;
import dockyard.p9.testing.*;
import dockyard.p9.Endpoint;
import dockyard.p9.vfs.FileSystem;
import dockyard.p9.vfs.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The server's protocol behaviour, checked frame by frame over loopback TCP. */
class ServerProtocolTest {
    private ServerFixture fx;
    private final List<RawConnection> raws = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        fx = new ServerFixture(ServerFixture.Transport.TCP);
        fx.fs.file("a/b/c", "hello");
        fx.fs.stream("s");
    }

    @AfterEach
    void stop() throws Exception {
        for (RawConnection r : raws) r.close();
        fx.close();
    }

    private RawConnection attached(int msize) throws Exception {
        RawConnection r = RawConnection.attached(fx.endpoint(), msize);
        raws.add(r);
        return r;
    }

    private RawConnection attached() throws Exception { return attached(8192); }

    // ---- version ----

    @Test
    void versionTakesTheSmallerMsizeAndAKnownDialect() throws Exception {
        RawConnection r = RawConnection.open(fx.endpoint());
        raws.add(r);
        r.useDialect(Dialect.P9_2000);
        assertEquals(new Rversion(Message.NOTAG, 8192, "9P2000.u"), r.rpc(new Tversion(Message.NOTAG, 8192, "9P2000.u"), Rversion.class));
        assertEquals(new Rversion(Message.NOTAG, P9Server.Options.DEFAULT_MAX_MSIZE, "9P2000"),
                r.rpc(new Tversion(Message.NOTAG, 64 << 20, "9P2000"), Rversion.class));
        assertEquals("9P2000", r.rpc(new Tversion(Message.NOTAG, 8192, "9P2000.L"), Rversion.class).version(),
                "an unknown 9P2000 variant is offered the base protocol");
        assertEquals("unknown", r.rpc(new Tversion(Message.NOTAG, 8192, "HTTP/1.1"), Rversion.class).version());
        assertTrue(r.rpc(new Tversion(Message.NOTAG, 100, "9P2000"), Rerror.class).ename().contains("msize 100"));
    }

    @Test
    void requestsBeforeVersionAreRefused() throws Exception {
        RawConnection r = RawConnection.open(fx.endpoint());
        raws.add(r);
        r.useDialect(Dialect.P9_2000);
        Rerror e = r.rpc(new Tattach(3, 0, Message.NOFID, "u", "", Tattach.NONUNAME), Rerror.class);
        assertEquals(3, e.tag());
        assertTrue(e.ename().contains("Tversion must come first"));
    }

    @Test
    void versionResetsTheSessionClunkingEveryFid() throws Exception {
        RawConnection r = attached();
        r.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(1, 1, OpenMode.OREAD), Ropen.class);
        assertEquals(1, fx.fs.openFiles());
        r.useDialect(Dialect.P9_2000);
        r.rpc(new Tversion(Message.NOTAG, 8192, "9P2000.u"), Rversion.class);
        r.useDialect(Dialect.P9_2000_U);
        assertEquals(0, fx.fs.openFiles(), "Tversion closed the open file");
        Rerror e = r.rpc(new Tstat(1, 0), Rerror.class);
        assertEquals(P9Error.EBADF, e.errno());
        assertTrue(e.ename().contains("unknown fid 0"));
    }

    // ---- walk ----

    @Test
    void walkReturnsQidsAndBindsNewfidOnlyWhenComplete() throws Exception {
        RawConnection r = attached();
        Rwalk full = r.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class);
        assertEquals(3, full.qids().size());
        assertTrue(full.qids().get(0).isDir() && full.qids().get(1).isDir() && !full.qids().get(2).isDir());
        assertEquals("c", r.rpc(new Tstat(2, 1), Rstat.class).stat().name());

        Rwalk partial = r.rpc(new Twalk(3, 0, 2, List.of("a", "nope", "c")), Rwalk.class);
        assertEquals(List.of(full.qids().get(0)), partial.qids(), "the qids walked before the failure");
        assertTrue(r.rpc(new Tstat(4, 2), Rerror.class).ename().contains("unknown fid 2"), "newfid not bound by a partial walk");

        Rerror first = r.rpc(new Twalk(5, 0, 2, List.of("nope")), Rerror.class);
        assertEquals(P9Error.ENOENT, first.errno(), "an error only when the first element fails");

        assertEquals(P9Error.ENOTDIR, r.rpc(new Twalk(6, 1, 3, List.of("x")), Rerror.class).errno());
        assertTrue(r.rpc(new Twalk(7, 0, 1, List.of("a")), Rerror.class).ename().contains("fid 1 is already in use"));
    }

    @Test
    void aFileSystemThatFailsWalksWholeAnswersRerrorForAnyFailingElement() throws Exception {
        FileSystem whole = new FileSystem() {
            @Override public Node attach(String uname, String aname) throws P9Error { return fx.fs.attach(uname, aname); }

            @Override public boolean walkFailsWhole() { return true; }

            @Override public P9Error walkThroughFile() { return new P9Error(P9Error.ENOTDIR, "Can't walk from a file"); }
        };
        try (P9Server s = P9Server.start(whole, Endpoint.tcp("127.0.0.1", 0));
             RawConnection r = RawConnection.attached(s.endpoint(), 8192)) {
            assertEquals(3, r.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class).qids().size(), "a whole walk still works");
            Rerror missing = r.rpc(new Twalk(2, 0, 2, List.of("a", "nope", "c")), Rerror.class);
            assertEquals(P9Error.ENOENT, missing.errno(), "a missing later element is an error, not a short Rwalk");
            assertTrue(r.rpc(new Tstat(3, 2), Rerror.class).ename().contains("unknown fid 2"), "newfid not bound");
            // a fid walked onto itself stays where it was
            r.rpc(new Twalk(4, 0, 3, List.of()), Rwalk.class);
            r.rpc(new Twalk(5, 3, 3, List.of("a", "nope")), Rerror.class);
            assertEquals(fx.fs.attach("", "").stat().name(), r.rpc(new Tstat(6, 3), Rstat.class).stat().name());
            Rerror throughFile = r.rpc(new Twalk(7, 0, 4, List.of("a", "b", "c", "d")), Rerror.class);
            assertEquals("Can't walk from a file", throughFile.ename());
            assertEquals(P9Error.ENOTDIR, throughFile.errno());
        }
    }

    @Test
    void walkWithoutNamesClonesAndAFidMayWalkOntoItself() throws Exception {
        RawConnection r = attached();
        assertEquals(List.of(), r.rpc(new Twalk(1, 0, 4, List.of()), Rwalk.class).qids());
        Stat root = r.rpc(new Tstat(2, 0), Rstat.class).stat();
        assertEquals(root, r.rpc(new Tstat(3, 4), Rstat.class).stat());

        r.rpc(new Twalk(4, 4, 4, List.of("a", "b")), Rwalk.class);
        assertEquals("b", r.rpc(new Tstat(5, 4), Rstat.class).stat().name());
        r.rpc(new Twalk(6, 4, 4, List.of("..")), Rwalk.class);
        assertEquals("a", r.rpc(new Tstat(7, 4), Rstat.class).stat().name());
    }

    @Test
    void dotAndDotDotAreResolvedByTheServerAndDotDotStopsAtTheRoot() throws Exception {
        RawConnection r = attached();
        Qid root = r.rpc(new Tstat(1, 0), Rstat.class).stat().qid();
        Qid a = r.rpc(new Twalk(2, 0, 1, List.of("a")), Rwalk.class).qids().getFirst();
        Qid b = r.rpc(new Twalk(3, 0, 2, List.of("a", "b")), Rwalk.class).qids().getLast();

        assertEquals(List.of(root, a, root, root, a), r.rpc(new Twalk(4, 0, 3, List.of("..", "a", "..", "..", "a")), Rwalk.class).qids());
        assertEquals(List.of(a, a, b, a), r.rpc(new Twalk(5, 0, 5, List.of("a", ".", "b", "..")), Rwalk.class).qids());
        assertEquals("a", r.rpc(new Tstat(6, 5), Rstat.class).stat().name());
        assertEquals(P9Error.EINVAL, r.rpc(new Twalk(7, 0, 6, List.of("a/b")), Rerror.class).errno(), "a name is one element");
    }

    // ---- open, read, write ----

    @Test
    void openReadWriteObeyModesAndMsize() throws Exception {
        RawConnection r = attached(512);
        fx.fs.file("big", "x".repeat(2000));
        r.rpc(new Twalk(1, 0, 1, List.of("big")), Rwalk.class);
        assertTrue(r.rpc(new Tread(2, 1, 0, 10), Rerror.class).ename().contains("not open"));
        Ropen o = r.rpc(new Topen(3, 1, OpenMode.OREAD), Ropen.class);
        assertFalse(o.qid().isDir());
        assertEquals(P9Error.EBADF, r.rpc(new Topen(4, 1, OpenMode.OREAD), Rerror.class).errno(), "already open");
        assertEquals(512 - Codec.IOHDRSZ, r.rpc(new Tread(5, 1, 0, 100_000), Rread.class).count(), "count clipped to msize-24");
        assertEquals(0, r.rpc(new Tread(6, 1, 2000, 100), Rread.class).count(), "end of file");
        assertTrue(r.rpc(Twrite.of(7, 1, 0, new byte[]{1}), Rerror.class).ename().contains("not open for writing"));
        assertEquals(P9Error.EBADF, r.rpc(new Twalk(8, 1, 2, List.of()), Rerror.class).errno(), "no walking from an open fid");

        r.rpc(new Twalk(9, 0, 2, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(10, 2, OpenMode.ORDWR), Ropen.class);
        assertEquals(3, r.rpc(Twrite.of(11, 2, 5, "!!!".getBytes()), Rwrite.class).count());
        Rread back = r.rpc(new Tread(12, 2, 0, 100), Rread.class);
        assertEquals("hello!!!", StandardCharsets.UTF_8.decode(back.data()).toString());
        r.rpc(new Tclunk(13, 2), Rclunk.class);
        r.rpc(new Tclunk(14, 1), Rclunk.class);
        assertEquals(0, fx.fs.openFiles(), "clunk closes");
        assertTrue(r.rpc(new Tclunk(15, 1), Rerror.class).ename().contains("unknown fid 1"));
    }

    @Test
    void directoryReadsReturnWholeStatsAcrossManyReads() throws Exception {
        RawConnection r = attached();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            fx.fs.file("many/file-" + i, "content " + i);
            expected.add("file-" + i);
        }
        r.rpc(new Twalk(1, 0, 1, List.of("many")), Rwalk.class);
        assertEquals(P9Error.EISDIR, r.rpc(new Topen(2, 1, OpenMode.OWRITE), Rerror.class).errno());
        r.rpc(new Topen(3, 1, OpenMode.OREAD), Ropen.class);

        List<String> names = new ArrayList<>();
        long offset = 0;
        int reads = 0;
        for (Rread chunk; (chunk = r.rpc(new Tread(4, 1, offset, 300), Rread.class)).count() > 0; reads++) {
            assertTrue(chunk.count() <= 300);
            for (Stat s : Codec.decodeStats(chunk.data(), Dialect.P9_2000_U)) names.add(s.name()); // whole stats only
            offset += chunk.count();
        }
        assertEquals(expected, names);
        assertTrue(reads > 20, "a small count takes many reads: " + reads);

        assertEquals(P9Error.EINVAL, r.rpc(new Tread(5, 1, 7, 300), Rerror.class).errno(), "no seeking inside a listing");
        Rread again = r.rpc(new Tread(6, 1, 0, 300), Rread.class);
        assertEquals("file-0", Codec.decodeStats(again.data(), Dialect.P9_2000_U).getFirst().name(), "offset 0 rewinds");
        assertTrue(r.rpc(new Tread(7, 1, again.count(), 10), Rerror.class).ename().contains("too small"));
    }

    // ---- create, remove, stat, wstat ----

    @Test
    void createOpensFilesAndDirectoriesBecomeTheFid() throws Exception {
        RawConnection r = attached();
        r.rpc(new Twalk(1, 0, 1, List.of("a")), Rwalk.class);
        Rcreate c = r.rpc(new Tcreate(2, 1, "new.txt", 0644, OpenMode.OWRITE, ""), Rcreate.class);
        assertFalse(c.qid().isDir());
        r.rpc(Twrite.of(3, 1, 0, "fresh".getBytes()), Rwrite.class);
        r.rpc(new Tclunk(4, 1), Rclunk.class);
        assertEquals("fresh", ((MemFile) fx.fs.root().walk("a").walk("new.txt")).content());

        r.rpc(new Twalk(5, 0, 1, List.of("a")), Rwalk.class);
        assertEquals(P9Error.EEXIST, r.rpc(new Tcreate(6, 1, "new.txt", 0644, OpenMode.OWRITE, ""), Rerror.class).errno());
        assertEquals(P9Error.EINVAL, r.rpc(new Tcreate(7, 1, "x/y", 0644, OpenMode.OWRITE, ""), Rerror.class).errno());
        Rcreate d = r.rpc(new Tcreate(8, 1, "sub", Stat.DMDIR | 0755, OpenMode.OREAD, ""), Rcreate.class);
        assertTrue(d.qid().isDir());
        assertEquals("sub", r.rpc(new Tstat(9, 1), Rstat.class).stat().name(), "the fid now stands for the new directory");
        assertEquals(0, r.rpc(new Tread(10, 1, 0, 1000), Rread.class).count(), "which is open and empty");
    }

    @Test
    void removeClunksEvenWhenItFails() throws Exception {
        RawConnection r = attached();
        r.rpc(new Twalk(1, 0, 1, List.of("a")), Rwalk.class);
        assertEquals(P9Error.ENOTEMPTY, r.rpc(new Tremove(2, 1), Rerror.class).errno());
        assertTrue(r.rpc(new Tstat(3, 1), Rerror.class).ename().contains("unknown fid 1"));

        r.rpc(new Twalk(4, 0, 1, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(5, 1, OpenMode.OREAD), Ropen.class);
        r.rpc(new Tremove(6, 1), Rremove.class);
        assertEquals(0, fx.fs.openFiles(), "remove closed the open file");
        assertEquals(2, r.rpc(new Twalk(7, 0, 1, List.of("a", "b", "c")), Rwalk.class).qids().size(), "c is gone");
    }

    @Test
    void statAndWstatRenameAndTruncate() throws Exception {
        RawConnection r = attached();
        r.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class);
        Stat st = r.rpc(new Tstat(2, 1), Rstat.class).stat();
        assertEquals("c", st.name());
        assertEquals(5, st.length());

        r.rpc(new Twstat(3, 1, Stat.dontTouch().withName("d")), Rwstat.class);
        r.rpc(new Twstat(4, 1, Stat.dontTouch().withLength(2)), Rwstat.class);
        Stat after = r.rpc(new Tstat(5, 1), Rstat.class).stat();
        assertEquals("d", after.name());
        assertEquals(2, after.length());
        assertEquals(st.qid().path(), after.qid().path(), "same file");
        assertEquals(P9Error.EINVAL, r.rpc(new Twstat(6, 1, Stat.dontTouch().withName("../x")), Rerror.class).errno());
        assertEquals(P9Error.EACCES, r.rpc(new Twstat(7, 1, Stat.dontTouch().withMode(0777)), Rerror.class).errno());
        r.rpc(new Twstat(8, 1, Stat.dontTouch()), Rwstat.class); // touching nothing is fine
    }

    // ---- concurrency, tags and flush ----

    @Test
    void otherRequestsProceedWhileAReadBlocks() throws Exception {
        RawConnection r = attached();
        StreamFile s = (StreamFile) fx.fs.root().walk("s");
        r.rpc(new Twalk(1, 0, 1, List.of("s")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OREAD), Ropen.class);
        r.send(new Tread(10, 1, 0, 100));
        assertTrue(s.awaitBlockedRead(5_000));

        r.rpc(new Twalk(11, 0, 2, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(12, 2, OpenMode.OREAD), Ropen.class);
        assertEquals(5, r.rpc(new Tread(13, 2, 0, 100), Rread.class).count());

        s.release("late");
        Rread blocked = (Rread) r.receive();
        assertEquals(10, blocked.tag());
        assertEquals("late", StandardCharsets.UTF_8.decode(blocked.data()).toString());
    }

    @Test
    void flushInterruptsABlockedReadAndNoAnswerFollowsTheRflush() throws Exception {
        RawConnection r = attached();
        StreamFile s = (StreamFile) fx.fs.root().walk("s");
        r.rpc(new Twalk(1, 0, 1, List.of("s")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OREAD), Ropen.class);
        r.send(new Tread(20, 1, 0, 100));
        assertTrue(s.awaitBlockedRead(5_000));

        assertEquals(new Rflush(21), r.rpc(new Tflush(21, 20), Rflush.class), "the flushed read itself says nothing");
        assertEquals(1, s.interruptedReads(), "the node's blocked read was interrupted");

        s.release("too late"); // had the read survived, it would answer now
        assertEquals(new Rclunk(22), r.rpc(new Tclunk(22, 1), Rclunk.class), "nothing for tag 20 arrived before this");
        assertNull(r.poll(300), "and nothing after");
        r.rpc(new Tstat(20, 0), Rstat.class); // the tag is free again
    }

    @Test
    void flushOfAnUnknownTagAnswersAtOnce() throws Exception {
        RawConnection r = attached();
        assertEquals(new Rflush(5), r.rpc(new Tflush(5, 4242), Rflush.class));
    }

    @Test
    void flushOfAnAnsweredRequestComesAfterItsAnswer() throws Exception {
        RawConnection r = attached();
        for (int round = 0; round < 50; round++) {
            r.send(new Tstat(30, 0));
            r.send(new Tflush(31, 30));
            Message first = r.receive();
            if (first instanceof Rstat st) {
                assertEquals(30, st.tag());
                assertEquals(new Rflush(31), r.receive());
            } else {
                assertEquals(new Rflush(31), first, "if the Tstat was stopped, only the Rflush comes");
            }
        }
        assertNull(r.poll(200));
    }

    @Test
    void aTagInUseGetsAnErrorWithoutDisturbingTheOriginal() throws Exception {
        RawConnection r = attached();
        StreamFile s = (StreamFile) fx.fs.root().walk("s");
        r.rpc(new Twalk(1, 0, 1, List.of("s")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OREAD), Ropen.class);
        r.send(new Tread(40, 1, 0, 100));
        assertTrue(s.awaitBlockedRead(5_000));
        Rerror dup = r.rpc(new Tstat(40, 0), Rerror.class);
        assertTrue(dup.ename().contains("tag 40 is already in use"));
        s.release("data");
        assertEquals(4, ((Rread) r.receive()).count());
    }

    @Test
    void unexpectedNodeFailuresBecomeEioAndAreLogged() throws Exception {
        fx.close();
        Node broken = new Node() {
            @Override public Stat stat() { return Stat.of(Qid.dir(1), "/", Stat.DMDIR | 0755, 0, 0); }

            @Override public Node walk(String name) { throw new IllegalStateException("bug in node"); }
        };
        RecordingLogger log = new RecordingLogger();
        try (P9Server server = P9Server.start((u, a) -> broken, dockyard.p9.Endpoint.tcp("127.0.0.1", 0),
                P9Server.Options.defaults().withLogger(log));
             RawConnection r = RawConnection.attached(server.endpoint(), 8192)) {
            Rerror e = r.rpc(new Twalk(1, 0, 1, List.of("x")), Rerror.class);
            assertEquals(P9Error.EIO, e.errno());
            assertTrue(e.ename().contains("bug in node"));
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("Twalk failed unexpectedly")), log.warnings().toString());
            r.rpc(new Tstat(2, 0), Rstat.class); // the connection lives on
        }
        fx = new ServerFixture(ServerFixture.Transport.TCP);
    }

    // ---- broken peers ----

    @Test
    void aMalformedFrameClosesOnlyItsOwnConnection() throws Exception {
        RawConnection good = attached();
        RawConnection bad = attached();
        bad.sendRaw(new byte[]{3, 0, 0, 0});
        assertTrue(bad.closedByServer(5_000), "the offender is disconnected");
        assertTrue(fx.log.warnings().stream().anyMatch(w -> w.contains("smaller than the 7-byte header")), fx.log.warnings().toString());

        RawConnection bad2 = attached();
        bad2.sendRaw(new byte[]{7, 0, 0, 0, (byte) 200, 1, 0});
        assertTrue(bad2.closedByServer(5_000));
        assertTrue(fx.log.warnings().stream().anyMatch(w -> w.contains("unknown message type 200")));

        assertEquals(3, good.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class).qids().size());
        assertEquals("c", good.rpc(new Tstat(2, 1), Rstat.class).stat().name(), "other connections keep working");
    }

    @Test
    void aFrameLargerThanMsizeClosesTheConnection() throws Exception {
        RawConnection r = attached(512);
        r.rpc(new Twalk(1, 0, 1, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OWRITE), Ropen.class);
        r.send(Twrite.of(3, 1, 0, new byte[1000]));
        assertTrue(r.closedByServer(5_000));
        assertTrue(fx.log.warnings().stream().anyMatch(w -> w.contains("frame size 1023 exceeds the maximum message size 512")),
                fx.log.warnings().toString());
        Async.waitUntil(() -> fx.fs.openFiles() == 0); // its files were closed
    }

    @Test
    void aHangupInterruptsRequestsAndClosesFiles() throws Exception {
        RawConnection r = attached();
        StreamFile s = (StreamFile) fx.fs.root().walk("s");
        r.rpc(new Twalk(1, 0, 1, List.of("s")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OREAD), Ropen.class);
        r.rpc(new Twalk(3, 0, 2, List.of("a", "b", "c")), Rwalk.class);
        r.rpc(new Topen(4, 2, OpenMode.OREAD), Ropen.class);
        r.send(new Tread(5, 1, 0, 10));
        assertTrue(s.awaitBlockedRead(5_000));
        assertEquals(2, fx.fs.openFiles());

        r.close();
        Async.waitUntil(() -> fx.fs.openFiles() == 0 && fx.server.connectionCount() == 0);
        assertEquals(1, s.interruptedReads());
    }

    @Test
    void closingTheServerReleasesEverything() throws Exception {
        RawConnection r = attached();
        StreamFile s = (StreamFile) fx.fs.root().walk("s");
        r.rpc(new Twalk(1, 0, 1, List.of("s")), Rwalk.class);
        r.rpc(new Topen(2, 1, OpenMode.OREAD), Ropen.class);
        r.send(new Tread(3, 1, 0, 10));
        assertTrue(s.awaitBlockedRead(5_000));

        fx.server.close();
        assertEquals(0, fx.fs.openFiles());
        assertEquals(1, s.interruptedReads());
        assertEquals(0, fx.server.connectionCount());
        assertTrue(r.closedByServer(5_000));
        assertThrows(java.io.IOException.class, () -> RawConnection.open(fx.endpoint()).close(), "no longer listening");
    }
}
