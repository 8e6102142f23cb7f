package dockyard.cli;

import dockyard.notary.server.NotaryServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code dockyard notary} prints what Debian's notary CLI prints: the same repository (published by
 * the notary CLI with a delegation) listed, looked up, verified and its delegations listed by both,
 * byte for byte; our staging is what the notary CLI then publishes.
 */
class NotaryClientCliTest {
    @TempDir Path tmp;

    private InProcessCli.Result ours(String... args) {
        List<String> all = new ArrayList<>(List.of("notary"));
        all.addAll(List.of(args));
        return InProcessCli.run(all.toArray(String[]::new));
    }

    private InProcessCli.Result theirs(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("notary"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        for (String r : List.of("ROOT", "TARGETS", "SNAPSHOT", "DELEGATION")) pb.environment().put("NOTARY_" + r + "_PASSPHRASE", "pw");
        pb.redirectError(tmp.resolve("notary.err").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new InProcessCli.Result(p.exitValue(), out, Files.readString(tmp.resolve("notary.err")));
    }

    @Test void listLookupVerifyAndDelegationListPrintWhatNotaryPrints() throws Exception {
        boolean tools = Files.isExecutable(Path.of("/usr/bin/notary")) && Files.isExecutable(Path.of("/usr/bin/openssl"));
        Assumptions.assumeTrue(tools, "Debian's notary and openssl are needed");
        try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            String url = "http://127.0.0.1:" + s.port(), gun = "example.com/cli", pub = tmp.resolve("pub").toString();
            Path a = Files.writeString(tmp.resolve("a.txt"), "alpha\n"), b = Files.writeString(tmp.resolve("b.txt"), "bravo, longer\n");
            Path cert = tmp.resolve("d.crt"), key = tmp.resolve("d.key");
            Process o = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=d", "-days", "30").redirectErrorStream(true).start();
            o.getInputStream().readAllBytes();
            assertEquals(0, o.waitFor());

            // our staging, the notary CLI's publish
            assertEquals(0, theirs("-s", url, "-d", pub, "init", gun).rc());
            InProcessCli.Result add = ours("-s", url, "-d", pub, "add", gun, "alpha", a.toString());
            assertEquals(0, add.rc(), add.err());
            assertEquals("Addition of target \"alpha\" to repository \"" + gun + "\" staged for next publish.\n", add.out());
            assertTrue(ours("-d", pub, "status", gun).out().contains("create    targets    target    alpha"));
            assertEquals(0, theirs("-s", url, "-d", pub, "add", gun, "bravo-a-much-longer-name", b.toString()).rc());
            assertEquals(0, theirs("-s", url, "-d", pub, "delegation", "add", gun, "targets/releases", cert.toString(), "--paths", "rel/").rc());
            InProcessCli.Result published = theirs("-s", url, "-d", pub, "publish", gun);
            assertEquals(0, published.rc(), published.err());
            assertEquals(0, theirs("-s", url, "-d", pub, "key", "import", key.toString(), "-r", "targets/releases").rc());
            assertEquals(0, theirs("-s", url, "-d", pub, "add", gun, "rel/one", a.toString(), "-r", "targets/releases").rc());
            assertEquals(0, theirs("-s", url, "-d", pub, "publish", gun).rc());

            String readerA = tmp.resolve("readerA").toString(), readerB = tmp.resolve("readerB").toString();
            for (String[] verb : List.of(new String[] {"list", gun}, new String[] {"lookup", gun, "alpha"}, new String[] {"delegation", "list", gun},
                    new String[] {"list", gun, "-r", "targets/releases"})) {
                InProcessCli.Result t = theirs(concat(new String[] {"-s", url, "-d", readerA}, verb));
                InProcessCli.Result u = ours(concat(new String[] {"-s", url, "-d", readerB}, verb));
                assertEquals(0, t.rc(), t.err());
                assertEquals(0, u.rc(), u.err());
                assertEquals(t.out(), u.out(), String.join(" ", verb));
            }
            assertEquals(0, ours("-d", readerB, "verify", gun, "alpha", "-i", a.toString(), "-q").rc());
            InProcessCli.Result wrong = ours("-d", readerB, "verify", gun, "alpha", "-i", b.toString());
            assertEquals(1, wrong.rc());
            assertTrue(wrong.err().contains("data not present in the trusted collection"), wrong.err());
            InProcessCli.Result missing = ours("-s", url, "-d", readerB, "lookup", gun, "nope");
            assertEquals(1, missing.rc());
            assertTrue(missing.err().contains("No valid trust data for nope"), missing.err());

            // addhash, status, reset
            String sha = "a".repeat(64);
            assertEquals(0, ours("-d", pub, "addhash", gun, "hashed", "12", "--sha256", sha).rc());
            assertEquals(0, ours("-d", pub, "addhash", gun, "hashed2", "13", "--sha256", sha).rc());
            assertTrue(ours("-d", pub, "status", gun).out().contains("1    create    targets    target    hashed2"));
            assertEquals(0, ours("-d", pub, "reset", gun, "-n", "1").rc());
            assertFalse(ours("-d", pub, "status", gun).out().contains("hashed2"));
            InProcessCli.Result badHash = ours("-d", pub, "addhash", gun, "bad", "1", "--sha256", "xyz");
            assertEquals(1, badHash.rc());
            assertTrue(badHash.err().contains("hex"), badHash.err());
            assertEquals(0, theirs("-s", url, "-d", pub, "publish", gun).rc(), "the notary CLI publishes our addhash");
            assertTrue(theirs("-s", url, "-d", readerA, "lookup", gun, "hashed").out().contains("hashed sha256:" + sha + " 12"));
            assertEquals(0, ours("-d", pub, "reset", gun, "--all").rc());
            assertEquals("No unpublished changes for " + gun + "\n", ours("-d", pub, "status", gun).out());

            // delete --remote: gone locally and on the server
            InProcessCli.Result del = ours("-s", url, "-d", readerB, "delete", gun, "--remote");
            assertEquals(0, del.rc(), del.err());
            assertFalse(Files.exists(tmp.resolve("readerB").resolve("tuf").resolve(gun)));
            InProcessCli.Result gone = ours("-s", url, "-d", readerB, "list", gun);
            assertEquals(1, gone.rc());
            assertTrue(gone.err().contains("does not exist on the server"), gone.err());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = new String[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
