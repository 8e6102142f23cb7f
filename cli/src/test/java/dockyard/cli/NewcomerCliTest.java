package dockyard.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a newcomer meets first: --help everywhere, errors that say which file or address is meant,
 * notary's confirmation, serving verbs that leave nothing behind when they cannot serve, and a
 * second vpnkit that refuses the first one's sockets.
 */
class NewcomerCliTest {
    @TempDir Path tmp;

    static InProcessCli.Result runWithInput(String stdin, String... args) {
        return InProcessCli.runWithInput(stdin, args);
    }

    static InProcessCli.Result run(String... args) {
        return InProcessCli.run(args);
    }

    @Test void helpIsAcceptedByUpAndEveryDataKitVerb() {
        for (List<String> verb : List.of(List.of("up"), List.of("datakit"), List.of("datakit", "serve"), List.of("datakit", "branch"), List.of("datakit", "tx"),
                List.of("datakit", "cat"), List.of("datakit", "watch"), List.of("datakit", "log"))) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(verb);
                args.add(flag);
                InProcessCli.Result r = run(args.toArray(String[]::new));
                assertEquals(0, r.rc(), args + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: dockyard " + String.join(" ", verb)), args + ": " + r.out());
                assertTrue(r.out().contains("-h, --help"), args + ": " + r.out());
            }
        }
    }

    private static void assertOneLine(InProcessCli.Result r, String... parts) {
        assertEquals(1, r.rc(), r.out() + r.err());
        List<String> report = r.err().lines().filter(l -> l.startsWith("dockyard: ")).toList();
        assertEquals(1, report.size(), r.err());
        for (String p : parts) assertTrue(report.getFirst().contains(p), "\"" + p + "\" missing from: " + report.getFirst());
    }

    @Test void missingFilesAreNamedWithTheirRole() throws Exception {
        Path missing = tmp.resolve("nothing-here");
        // checked before any server is contacted: the server address below is never reached
        assertOneLine(run("datakit", "-s", "tcp://127.0.0.1:1", "tx", "master", "--file", "etc/config=" + missing),
                "datakit tx --file etc/config=" + missing, "local file to store at etc/config not found: " + missing);
        assertOneLine(run("notary", "-d", tmp.resolve("trust").toString(), "add", "example.com/app", "v1", missing.toString()),
                "notary add: target file for \"v1\"", "not found: " + missing);
        assertFalse(Files.exists(tmp.resolve("trust").resolve("tuf")), "nothing staged");
        assertOneLine(run("notary", "-d", tmp.resolve("trust").toString(), "add", "example.com/app", "v1", tmp.toString()),
                "notary add: target file for \"v1\"", "is a directory, not a file: " + tmp);
        assertOneLine(run("hyperkit", "run", "--kernel", missing.toString()),
                "hyperkit run --kernel: kernel image (bzImage, ELF or raw real-mode image) not found: " + missing);
        Path kernel = Files.writeString(tmp.resolve("kernel"), "not really");
        assertOneLine(run("hyperkit", "run", "--kernel", kernel.toString(), "--initrd", missing.toString()),
                "hyperkit run --initrd: initramfs not found: " + missing);
        assertOneLine(run("hyperkit", "run", "--kernel", kernel.toString(), "--disk", "qcow2:" + missing),
                "hyperkit run --disk qcow2:" + missing + ": disk image not found: " + missing);
        assertOneLine(run("notary", "serve", "--memory", "--listen", "127.0.0.1:0", "--tls-cert", missing.toString(), "--tls-key", missing.toString()),
                "notary serve --tls-cert: the server's TLS certificate (PEM) not found: " + missing);
    }

    private static final String QUESTION = "\nAre you sure you want to remove all data for this delegation? (yes/no)\n";

    @Test void delegationRemoveAsksAsNotaryDoes() throws Exception {
        String trust = tmp.resolve("trust").toString();
        String gun = "example.com/app";
        Path changelist = tmp.resolve("trust/tuf/example.com/app/changelist");
        for (String no : List.of("no\n", "n\n", "", "maybe\n")) {
            InProcessCli.Result r = runWithInput(no, "notary", "-s", "http://127.0.0.1:1", "-d", trust, "delegation", "remove", gun, "targets/releases");
            assertEquals(1, r.rc(), "answer " + no + ": " + r.err());
            assertEquals(QUESTION + "* fatal: Aborting action.\n", r.out(), "answer " + no);
            assertFalse(Files.isDirectory(changelist) && Files.list(changelist).findAny().isPresent(), "nothing staged after " + no);
        }
        for (String yes : List.of("yes\n", "y\n", " YES \n")) {
            InProcessCli.Result r = runWithInput(yes, "notary", "-s", "http://127.0.0.1:1", "-d", trust, "delegation", "remove", gun, "targets/releases");
            assertEquals(0, r.rc(), r.err());
            assertEquals(QUESTION + "\nForced removal (including all keys and paths) of delegation role targets/releases to repository \"" + gun
                    + "\" staged for next publish.\n\n", r.out());
        }
        InProcessCli.Result forced = runWithInput("", "notary", "-s", "http://127.0.0.1:1", "-d", trust, "delegation", "remove", "-y", gun, "targets/releases");
        assertEquals(0, forced.rc(), forced.err());
        assertFalse(forced.out().contains("Are you sure"), forced.out());
        assertEquals(4, Files.list(changelist).count(), "one staged change per confirmed removal");
    }

    @Test void delegationRemovePrintsWhatDebiansNotaryPrints() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/notary")), "the notary CLI is not installed (Debian package notary)");
        for (String answer : List.of("no\n", "yes\n")) {
            Process p = new ProcessBuilder("notary", "-s", "http://127.0.0.1:1", "-d", tmp.resolve("theirs").toString(), "delegation", "remove",
                    "example.com/app", "targets/releases").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                in.write(answer.getBytes(StandardCharsets.UTF_8));
            }
            String theirs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            InProcessCli.Result ours = runWithInput(answer, "notary", "-s", "http://127.0.0.1:1", "-d", tmp.resolve("ours").toString(), "delegation", "remove",
                    "example.com/app", "targets/releases");
            assertEquals(theirs, ours.out(), "answer " + answer);
            assertEquals(p.exitValue(), ours.rc(), "answer " + answer);
        }
    }

    @Test void datakitServeOnABusyPortCreatesNothing() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path repo = tmp.resolve("data/datakit");
            InProcessCli.Result r = run("datakit", "serve", "--git", repo.toString(), "--listen", "tcp://127.0.0.1:" + busy.getLocalPort());
            assertOneLine(r, "127.0.0.1:" + busy.getLocalPort() + ": address already in use", "nothing was created");
            assertFalse(Files.exists(tmp.resolve("data")), "no repository, no parent directory");
        }
        // a unix socket another server answers on: the repository made before the bind failed is removed again
        Path sock = tmp.resolve("dk.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(sock));
            InProcessCli.Result r = run("datakit", "serve", "--git", tmp.resolve("data2/datakit").toString(), "--listen", "unix:" + sock);
            assertOneLine(r, "cannot serve on", sock.toString());
            assertFalse(Files.exists(tmp.resolve("data2")), "the repository this call created is gone");
        }
        // an existing repository is never removed because serving failed
        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(existing.resolve("keep"), "data");
        Files.delete(sock); // the first listener's file (closing a unix listener leaves it)
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(sock));
            assertEquals(1, run("datakit", "serve", "--git", existing.toString(), "--listen", "unix:" + sock).rc());
            assertEquals("data", Files.readString(existing.resolve("keep")));
        }
    }

    @Test void notaryServeOnABusyPortNamesItAndCreatesNoDatabase() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path db = tmp.resolve("notary/server");
            InProcessCli.Result r = run("notary", "serve", "--listen", "127.0.0.1:" + busy.getLocalPort(), "--db", db.toString());
            assertOneLine(r, "127.0.0.1:" + busy.getLocalPort() + ": address already in use");
            assertFalse(Files.exists(tmp.resolve("notary")), "no database");
        }
    }

    @Test void vpnkitRefusesAControlSocketInUse() throws Exception {
        Path control = tmp.resolve("control.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(control)); // another vpnkit's control socket: it answers
            InProcessCli.Result r = run("vpnkit", "--listen-qemu", "unix:" + tmp.resolve("qemu.sock"), "--control", control.toString());
            assertOneLine(r, control + ": already in use by another vpnkit");
            assertTrue(Files.exists(control), "the other one's socket is untouched");
            assertFalse(Files.exists(tmp.resolve("qemu.sock")), "nothing was set up");
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
                assertTrue(c.isConnected(), "and still reaches it");
            }
        }
    }

    /** bin/dockyard as its own process (what Ctrl-C or SIGTERM stops). */
    private Process dockyard(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dockyard.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("vpnkit-" + System.nanoTime() + ".log").toFile()).start();
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 300 && !condition.getAsBoolean(); i++) Thread.sleep(50);
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test void vpnkitRemovesItsSocketsOnExitAndASecondOneRefusesThem() throws Exception {
        Path qemu = tmp.resolve("qemu.sock"), control = tmp.resolve("control.sock");
        Process first = dockyard("vpnkit", "--listen-qemu", "unix:" + qemu, "--control", control.toString());
        try {
            await(() -> Files.exists(qemu), "the first vpnkit listens for qemu");
            // a second one on the same qemu socket is refused and leaves it in place
            InProcessCli.Result second = run("vpnkit", "--listen-qemu", "unix:" + qemu, "--control", tmp.resolve("control2.sock").toString());
            assertOneLine(second, qemu + ": already in use by another vpnkit");
            assertTrue(Files.exists(qemu));
            // a VM connects (qemu's side of the stream netdev): the control socket appears
            try (SocketChannel vm = SocketChannel.open(UnixDomainSocketAddress.of(qemu))) {
                await(() -> Files.exists(control), "the VM's session serves the control socket");
                InProcessCli.Result third = run("vpnkit", "--listen-dgram", tmp.resolve("dgram.sock").toString(), "--control", control.toString());
                assertOneLine(third, control + ": already in use by another vpnkit");
                assertTrue(Files.exists(control));
                first.destroy(); // SIGTERM, as Ctrl-C
                assertTrue(first.waitFor(20, TimeUnit.SECONDS), "vpnkit exits on SIGTERM");
            }
            assertFalse(Files.exists(qemu), "the qemu listen socket is removed on exit");
            assertFalse(Files.exists(control), "the control socket is removed on exit");
        } finally {
            first.destroyForcibly();
        }
    }
}
