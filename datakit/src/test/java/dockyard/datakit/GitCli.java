package dockyard.datakit;

import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Command-line git against a repository directory: how the tests check what the server stored. */
final class GitCli {
    record Out(int exitCode, String stdout, String stderr) {}

    private final Path gitDir;

    GitCli(Path gitDir) { this.gitDir = gitDir; }

    /** Runs {@code git --git-dir DIR args...}; returns whatever it exits with. */
    Out exec(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "--git-dir", gitDir.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            Assertions.fail("git " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Out(p.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    }

    /** Runs git and fails the test unless it exits 0; returns its standard output. */
    String run(String... args) throws IOException, InterruptedException {
        Out o = exec(args);
        Assertions.assertEquals(0, o.exitCode(), () -> "git " + String.join(" ", args) + " failed: " + o.stderr() + o.stdout());
        return o.stdout();
    }

    /** {@code git fsck --strict --no-dangling} must exit 0. */
    void assertFsckStrict() throws IOException, InterruptedException {
        Out o = exec("fsck", "--strict", "--no-dangling");
        Assertions.assertEquals(0, o.exitCode(), () -> "git fsck --strict failed:\n" + o.stdout() + o.stderr());
    }
}
