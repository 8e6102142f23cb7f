package dockyard.datakit;

import dockyard.p9.Endpoint;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The original's own Go client, unchanged: moby/datakit's {@code api/go-datakit} test suite
 * (TestInit, TestConfig, TestChangeDefaults, TestSnapshot, TestTransaction) built offline from the
 * local mirrors with the system's Go and run against our server; every test must pass. It leans on
 * the original server's behaviour beyond the 9P spec (a walk to a missing key fails as a whole
 * with "No such file or directory", head opens read-write, creating an existing rw/ file replaces
 * it), so this is where a divergence a real user would hit shows up. Built in a scratch directory.
 */
class GoDataKitClientTest {
    @TempDir Path tmp;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void mobyDatakitGoClientSuitePassesAgainstOurServer() throws Exception {
        Optional<String> why = GoDataKitSuite.missing();
        Assumptions.assumeTrue(why.isEmpty(), () -> "go-datakit suite skipped: " + why.orElse("")
                + ". To run it: apt-get install golang-go, and fetch the mirrors of moby/datakit, docker/go-p9p and golang/net.");

        GoDataKitSuite.Built built = GoDataKitSuite.build(tmp.resolve("build"));
        assertEquals(List.of("TestInit", "TestConfig", "TestChangeDefaults", "TestSnapshot", "TestTransaction"), built.tests(),
                "the suite's tests (a different list means the mirror moved on: look at what changed)");

        GoDataKitSuite.Outcome o, together;
        try (DataKitServer server = DataKitServer.start(tmp.resolve("repo.git"), Endpoint.parse("tcp://127.0.0.1:0"))) {
            o = GoDataKitSuite.run(built, server.endpoint(), tmp.resolve("build"), 180);
            // and once more as one `go test` process on the same, now used, repository
            together = GoDataKitSuite.runTogether(built, server.endpoint(), tmp.resolve("build"), 180);
        }
        System.out.println("[GoDataKitClientTest] " + o.summary() + ": " + o.tests() + "; in one process: " + together.summary());
        assertTrue(o.failed() == 0 && o.exitCode() == 0, () -> "go-datakit, each test alone: " + o.summary() + "\n" + o.output());
        assertTrue(together.failed() == 0 && together.exitCode() == 0,
                () -> "go-datakit, one go test process: " + together.summary() + "\n" + together.output());
    }
}
