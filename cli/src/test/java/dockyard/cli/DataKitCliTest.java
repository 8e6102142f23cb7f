package dockyard.cli;

import dockyard.datakit.DataKitServer;
import dockyard.p9.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The datakit verbs of bin/dockyard against a server in this JVM. */
class DataKitCliTest {
    @TempDir Path tmp;
    DataKitServer server;
    String address;

    @BeforeEach void start() throws Exception {
        server = DataKitServer.start(tmp.resolve("git"), Endpoint.parse("unix:" + tmp.resolve("dk.sock")));
        address = server.endpoint().toString();
    }

    @AfterEach void stop() { server.close(); }

    private static InProcessCli.Result run(String... args) {
        return InProcessCli.run(args);
    }

    @Test void txCatLogBranchWatch() throws Exception {
        Path local = Files.writeString(tmp.resolve("local.txt"), "from a file\n");
        InProcessCli.Result tx = run("datakit", "-s", address, "tx", "master", "-m", "add config", "--put", "etc/config=on", "--file", "copy.txt=" + local);
        assertEquals(0, tx.rc(), tx.err());
        String head = tx.out().strip();
        assertEquals(40, head.length());
        assertEquals("on", run("datakit", "-s", address, "cat", "master", "etc/config").out());
        assertEquals("from a file\n", run("datakit", "-s", address, "cat", "--commit", head, "copy.txt").out());
        assertEquals(head + " add config\n", run("datakit", "-s", address, "log", "master").out());
        assertEquals(0, run("datakit", "-s", address, "branch", "create", "dev").rc());
        assertEquals(List.of("dev", "master"), run("datakit", "-s", address, "branch").out().lines().toList());
        assertEquals(0, run("datakit", "-s", address, "branch", "fast-forward", "dev", head).rc());
        assertEquals(head + "\n", run("datakit", "-s", address, "branch", "head", "dev").out());
        InProcessCli.Result watch = run("datakit", "-s", address, "watch", "master", "etc", "-n", "1");
        assertTrue(watch.out().startsWith("D-"), watch.out());
        InProcessCli.Result second = run("datakit", "-s", address, "tx", "master", "--rm", "etc/config");
        assertEquals(0, second.rc(), second.err());
        assertTrue(run("datakit", "-s", address, "watch", "master", "etc", "-n", "1").out().isBlank(), "etc is gone");
    }

    @Test void errorsAreOneClearLine() {
        InProcessCli.Result missing = run("datakit", "-s", address, "cat", "nobranch", "x");
        assertEquals(1, missing.rc());
        // the in-process server may log on the same stderr; the CLI's own report is one line
        List<String> report = missing.err().lines().filter(l -> l.startsWith("dockyard: ")).toList();
        assertEquals(1, report.size(), missing.err());
        assertTrue(report.getFirst().contains("nobranch"), missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());
        InProcessCli.Result down = run("datakit", "-s", "tcp://127.0.0.1:1", "branch");
        assertEquals(1, down.rc());
        assertTrue(down.err().contains("cannot reach the DataKit server at tcp://127.0.0.1:1"), down.err());
        InProcessCli.Result bad = run("datakit", "-s", address, "tx", "master", "--put", "novalue");
        assertEquals(1, bad.rc());
        assertTrue(bad.err().contains("expected PATH=VALUE"), bad.err());
        InProcessCli.Result conflict = run("datakit", "-s", address, "tx", "master", "--merge", "0000000000000000000000000000000000000000");
        assertEquals(1, conflict.rc());
    }
}
