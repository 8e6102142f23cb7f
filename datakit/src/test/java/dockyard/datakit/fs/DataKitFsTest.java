package dockyard.datakit.fs;

import dockyard.datakit.DataKitServer;
import dockyard.datakit.client.Branch;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.TreeState;
import dockyard.datakit.client.Transaction;
import dockyard.datakit.client.Watch;
import dockyard.p9.Endpoint;
import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.client.P9Client;
import dockyard.p9.client.RemoteException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The DataKit filesystem through a real 9P connection on loopback (our client, our server). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataKitFsTest {
    @TempDir Path dir;
    DataKitServer server;
    DataKitClient dk;
    P9Client p9;

    @BeforeEach void start() throws Exception {
        server = DataKitServer.start(dir.resolve("git"), Endpoint.parse("tcp://127.0.0.1:0"));
        dk = DataKitClient.connect(server.endpoint());
        p9 = dk.p9();
    }

    @AfterEach void stop() throws Exception {
        dk.close();
        server.close();
    }

    private List<String> names(String path) throws Exception {
        return p9.list(path).stream().map(Stat::name).toList();
    }

    @Test void rootLayout() throws Exception {
        assertEquals(List.of("branch", "commits", "remotes", "snapshots", "trees"), names(""));
    }

    @Test void branchTransactionCommitAndReadBack() throws Exception {
        p9.mkdir("branch/master");
        assertEquals(List.of("master"), names("branch"));
        assertEquals("\n", p9.readString("branch/master/head"), "a blank line before the first commit, as the original");
        assertEquals(List.of("fast-forward", "head", "head.live", "reflog", "ro", "transactions", "watch", "diff"),
                names("branch/master"));
        p9.mkdir("branch/master/transactions/t1");
        p9.mkdir("branch/master/transactions/t1/rw/src");
        p9.writeString("branch/master/transactions/t1/rw/src/a.txt", "hello\n");
        p9.writeString("branch/master/transactions/t1/msg", "first commit\n");
        assertEquals("\n", p9.readString("branch/master/head"), "nothing visible before commit");
        p9.writeString("branch/master/transactions/t1/ctl", "commit\n");
        assertFalse(p9.exists("branch/master/transactions/t1"), "committed transaction disappears");
        String head = p9.readString("branch/master/head").strip();
        assertEquals(40, head.length());
        assertEquals("hello\n", p9.readString("branch/master/ro/src/a.txt"));
        assertEquals(head, p9.readString("snapshots/" + head + "/hash"));
        assertEquals("first commit\n", p9.readString("snapshots/" + head + "/msg"));
        assertEquals("hello\n", p9.readString("snapshots/" + head + "/ro/src/a.txt"));
        assertTrue(p9.readString("commits/" + head).startsWith("tree "));
    }

    /**
     * What clients of the original server (go-datakit among them) depend on beyond the 9P spec,
     * with the original's exact error strings (moby/datakit src/datakit-server-9p/fs9p_error.ml,
     * fs9p.ml, src/datakit-server/vfs.ml, src/datakit/datakit.ml).
     */
    @Test void answersAsTheOriginalServerWhereAClientCanTell() throws Exception {
        String rw = "branch/master/transactions/t/rw";
        p9.mkdir("branch/master");
        p9.mkdir("branch/master/transactions/t");
        p9.mkdir(rw + "/dir");
        p9.writeString(rw + "/key", "the first value, the longer one");

        // a walk to a missing key fails as a whole: no short Rwalk that leaves the fid on rw/
        RemoteException missing = assertThrows(RemoteException.class, () -> p9.root().walk("branch", "master", "transactions", "t", "rw", "nope"));
        assertEquals("No such file or directory", missing.getMessage());
        assertEquals(P9Error.ENOENT, missing.errno());
        try (var f = p9.root().walk(List.of())) {
            assertThrows(RemoteException.class, () -> f.walk("snapshots", "0000000000000000000000000000000000000000", "ro", "key"));
        }
        RemoteException throughFile = assertThrows(RemoteException.class, () -> p9.root().walk("branch", "master", "transactions", "t", "rw", "key", "x"));
        assertEquals("Can't walk from a file", throughFile.getMessage());

        // head, streams and control files open read-write (go-datakit's Head does); writing head is refused
        try (var head = p9.walk("branch/master/head").open(OpenMode.ORDWR)) {
            assertEquals("\n", StandardCharsets.UTF_8.decode(head.read(0, 512)).toString());
            RemoteException ro = assertThrows(RemoteException.class, () -> head.write(0, StandardCharsets.UTF_8.encode("x")));
            assertEquals("Read-only file", ro.getMessage());
        }
        p9.walk("branch/master/head.live").open(OpenMode.ORDWR).close();
        p9.walk("branch/master/transactions/t/ctl").open(OpenMode.ORDWR).close();
        assertEquals("Read-only file", assertThrows(RemoteException.class, () -> p9.remove("branch/master/head")).getMessage());
        assertEquals("Operation not permitted", assertThrows(RemoteException.class, () -> p9.remove("branch/master/transactions/t/ctl")).getMessage());
        assertEquals("Directory is read-only", assertThrows(RemoteException.class, () -> p9.mkdir("branch/master/new")).getMessage());

        // create over an existing rw/ file starts it afresh; over a directory it is refused
        try (var d = p9.walk(rw); var f = d.create("key", 0644, OpenMode.ORDWR)) {
            assertEquals(0, f.stat().length(), "replaced by an empty file");
            f.write(0, StandardCharsets.UTF_8.encode("new"));
        }
        assertEquals("new", p9.readString(rw + "/key"));
        try (var d = p9.walk(rw)) {
            assertEquals("Is a directory", assertThrows(RemoteException.class, () -> d.create("dir", 0644, OpenMode.ORDWR)).getMessage());
        }
        assertEquals("Already exists", assertThrows(RemoteException.class, () -> p9.mkdir(rw + "/dir")).getMessage());

        // making a branch that exists opens it; a transaction that exists is refused
        try (var b = p9.walk("branch")) {
            b.create("master", Stat.DMDIR | 0755, OpenMode.OREAD);
        }
        assertEquals("Already exists", assertThrows(RemoteException.class, () -> p9.mkdir("branch/master/transactions/t")).getMessage());
        assertEquals("Unknown command \"launch\"",
                assertThrows(RemoteException.class, () -> p9.writeString("branch/master/transactions/t/ctl", "launch")).getMessage());
    }

    @Test void badCtlCommandIsEinvalAndUnknownSnapshotIsEnoent() throws Exception {
        p9.mkdir("branch/master");
        p9.mkdir("branch/master/transactions/t");
        RemoteException e = assertThrows(RemoteException.class, () -> p9.writeString("branch/master/transactions/t/ctl", "launch"));
        assertEquals(P9Error.EINVAL, e.errno());
        assertFalse(p9.exists("snapshots/0123456789012345678901234567890123456789"));
        assertFalse(p9.exists("snapshots/not-a-commit"));
        RemoteException bad = assertThrows(RemoteException.class, () -> p9.mkdir("branch/bad..name"));
        assertEquals(P9Error.EINVAL, bad.errno());
    }

    @Test void mergeWithConflictThenResolve() throws Exception {
        Branch master = dk.createBranch("master");
        String base;
        try (Transaction t = master.transaction()) {
            t.write("f", "base\n");
            base = t.commit();
        }
        Branch feature = dk.createBranch("feature");
        feature.fastForward(base);
        String theirs;
        try (Transaction t = feature.transaction()) {
            t.write("f", "theirs\n").write("g", "new\n");
            theirs = t.commit();
        }
        try (Transaction t = master.transaction()) {
            t.write("f", "ours\n");
            t.commit();
        }
        try (Transaction t = master.transaction("m")) {
            assertEquals(List.of("f"), t.merge(theirs));
            String d = t.path();
            assertEquals("ours\n", p9.readString(d + "/ours/f"));
            assertEquals("theirs\n", p9.readString(d + "/theirs/f"));
            assertEquals("base\n", p9.readString(d + "/base/f"));
            assertEquals("new\n", p9.readString(d + "/rw/g"));
            RemoteException refused = assertThrows(RemoteException.class, t::commit);
            assertEquals(P9Error.EBUSY, refused.errno());
            t.write("f", "resolved\n");
            assertEquals(List.of(), t.conflicts());
            String merged = t.commit();
            assertEquals(2, dk.commit(merged).parents().size());
        }
        assertEquals("resolved\n", master.readString("f"));
        assertEquals("new\n", master.readString("g"));
    }

    @Test void headLiveAndTreeLiveStreamChanges() throws Exception {
        Branch master = dk.createBranch("master");
        try (Watch head = master.watchHead(); Watch tree = master.watch("etc")) {
            assertEquals("", head.nextLine(), "empty branch is a blank line");
            assertEquals(TreeState.ABSENT, tree.next());
            String c1;
            try (Transaction t = master.transaction()) {
                t.write("etc/config", "1");
                c1 = t.commit();
            }
            assertEquals(c1, head.nextLine());
            TreeState s1 = tree.next();
            assertEquals('D', s1.kind());
            try (Transaction t = master.transaction()) {
                t.write("other", "x");
                t.commit();
            }
            try (Transaction t = master.transaction()) {
                t.write("etc/config", "2");
                t.commit();
            }
            TreeState s2 = tree.next();
            assertNotEquals(s1, s2, "a change outside etc/ is not reported, the next one inside is");
            assertEquals('D', s2.kind());
            assertEquals("2", new String(p9.readAll("trees/" + s2 + "/config"), StandardCharsets.UTF_8));
        }
    }

    @Test void blockedStreamReadDoesNotBlockOtherRequestsAndCanBeClosed() throws Exception {
        dk.createBranch("master");
        InputStream live = p9.openStream("branch/master/head.live");
        assertEquals('\n', live.read());
        CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return live.read();
            } catch (Exception e) {
                return -2;
            }
        });
        Thread.sleep(200);
        assertFalse(blocked.isDone());
        assertEquals(List.of("master"), names("branch"), "same connection still serves");
        live.close();
        blocked.get(10, TimeUnit.SECONDS);
    }

    @Test void reflogShowsEveryUpdate() throws Exception {
        Branch master = dk.createBranch("master");
        try (Watch reflog = master.reflog()) {
            String a, b;
            try (Transaction t = master.transaction()) { a = t.write("f", "1").commit(); }
            try (Transaction t = master.transaction()) { b = t.write("f", "2").commit(); }
            assertEquals(a, reflog.nextLine());
            assertEquals(b, reflog.nextLine());
        }
    }

    @Test void branchRenameDeleteAndFastForward() throws Exception {
        Branch a = dk.createBranch("a");
        String c;
        try (Transaction t = a.transaction()) { c = t.write("f", "1").commit(); }
        p9.mkdir("branch/b");
        p9.writeString("branch/b/fast-forward", c + "\n");
        assertEquals(c, dk.branch("b").head().orElseThrow());
        p9.rename("branch/b", "c");
        assertEquals(List.of("a", "c"), names("branch"));
        p9.remove("branch/c");
        assertEquals(List.of("a"), names("branch"));
    }

    @Test void transactionsArePerConnectionAndAbandonedOnes() throws Exception {
        Branch master = dk.createBranch("master");
        Transaction t = master.transaction("mine");
        t.write("f", "x");
        try (DataKitClient other = DataKitClient.connect(server.endpoint())) {
            assertFalse(other.p9().exists("branch/master/transactions/mine"));
        }
        t.close();
        assertFalse(p9.exists("branch/master/transactions/mine"));
        assertTrue(master.head().isEmpty(), "closed transaction committed nothing");
    }

    @Test void diffAndRwEditing() throws Exception {
        Branch master = dk.createBranch("master");
        String c1;
        try (Transaction t = master.transaction()) { c1 = t.write("keep", "k").write("mod", "1").write("gone", "g").commit(); }
        try (Transaction t = master.transaction()) {
            t.write("mod", "2").remove("gone").write("new/file", "n");
            p9.rename(t.path() + "/rw/keep", "kept");
            assertEquals(List.of("+ kept", "- keep", "- gone", "* mod", "+ new/file").stream().sorted().toList(),
                    t.diff(c1).stream().sorted().toList());
            t.commit();
        }
        assertEquals(List.of("+ kept", "- gone", "- keep", "* mod", "+ new/file").stream().sorted().toList(),
                p9.readString("branch/master/diff/" + c1).lines().sorted().toList());
    }
}
