package dockyard.datakit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a busybox guest script against a 9P server on the host loopback through the shared
 * real-kernel harness ({@code <project root>/../shared/harness/kernel9p/run-9p-guest.sh}): a Debian
 * kernel under qemu mounts the server with v9fs and runs the script inside the mount.
 *
 * <p>The harness and qemu are required: a test that needs them fails when they are missing, unless
 * {@code DOCKYARD_SKIP_VM_TESTS=1} asks to skip the VM tests (then it is a JUnit assumption skip).
 */
final class VmHarness {
    static final String SKIP_ENV = "DOCKYARD_SKIP_VM_TESTS";

    private VmHarness() {}

    /** What one VM run left: the harness's exit status and summary line, and the console log. */
    record Result(int exitCode, String output, Path log, String console) {
        /** The harness's one-line PASS/FAIL summary (wall time, guest uptimes at boot/mount/done). */
        String summary() {
            return output.lines().filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).reduce((a, b) -> b).orElse(output.strip());
        }

        /** The {@code @@VAL NAME VALUE} lines the guest printed (VALUE may be empty). */
        Map<String, String> values() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String l : console.lines().toList()) {
                if (!l.startsWith("@@VAL ")) continue;
                String rest = l.substring(6);
                int sp = rest.indexOf(' ');
                m.put(sp < 0 ? rest : rest.substring(0, sp), sp < 0 ? "" : rest.substring(sp + 1).strip());
            }
            return m;
        }

        List<String> failedChecks() {
            return console.lines().filter(l -> l.startsWith("@@CHECK ") && !l.endsWith(" ok")).toList();
        }

        /** A readable account for assertion messages: the summary, failed checks and the console tail. */
        String explain() {
            List<String> lines = console.lines().toList();
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
            return summary() + "\nfailed checks: " + failedChecks() + "\n--- harness output:\n" + output + "\n--- console tail (" + log + "):\n" + tail;
        }
    }

    /** Skips (with {@value #SKIP_ENV}=1) or fails unless the harness, qemu and its tools are present. */
    static Path requireHarness() {
        Assumptions.assumeFalse("1".equals(System.getenv(SKIP_ENV)),
                SKIP_ENV + "=1: skipping the real Linux kernel 9P client tests (qemu VM)");
        Path script = harnessScript();
        if (!Files.isRegularFile(script))
            Assertions.fail("the kernel 9P harness is missing: " + script
                    + " (set " + SKIP_ENV + "=1 to skip the VM tests on a machine without it)");
        for (String tool : List.of("qemu-system-x86_64", "cpio", "busybox", "bc"))
            if (!onPath(tool))
                Assertions.fail(tool + " is not installed; the kernel 9P tests need qemu-system-x86, busybox-static, cpio and bc"
                        + " (.ci/run installs them; set " + SKIP_ENV + "=1 to skip the VM tests)");
        return script;
    }

    /** {@code <project root>/../shared/harness/kernel9p/run-9p-guest.sh}; {@code KERNEL9P_HARNESS} overrides. */
    static Path harnessScript() {
        String override = System.getenv("KERNEL9P_HARNESS");
        if (override != null && !override.isBlank()) return Path.of(override);
        return projectRoot().getParent().resolve("shared/harness/kernel9p/run-9p-guest.sh").normalize();
    }

    /** The directory holding the Maven wrapper, found upwards from the working directory. */
    static Path projectRoot() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("datakit"))) return p;
        throw new IllegalStateException("cannot find the project root (a directory with mvnw) above " + here);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        return false;
    }

    /** A resource of this test tree copied to {@code dir} (the harness wants real files). */
    static Path resource(String name, Path dir) throws IOException {
        try (InputStream in = VmHarness.class.getResourceAsStream("/kernel9p/" + name)) {
            Assertions.assertNotNull(in, "missing test resource kernel9p/" + name);
            Path out = dir.resolve(name);
            Files.write(out, in.readAllBytes());
            return out;
        }
    }

    /** A started VM run; {@link #await()} waits for the harness and reads the console log. */
    static final class Run {
        private final Process process;
        private final Path log;
        private final Path output;
        private final int timeoutS;

        private Run(Process process, Path log, Path output, int timeoutS) {
            this.process = process;
            this.log = log;
            this.output = output;
            this.timeoutS = timeoutS;
        }

        /** The console so far (the harness writes it while the VM runs). */
        String consoleSoFar() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1).replace("\r", "") : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean alive() { return process.isAlive(); }

        Result await() throws IOException, InterruptedException {
            if (!process.waitFor(timeoutS + 60L, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Assertions.fail("the kernel 9P harness did not finish within " + (timeoutS + 60) + " s; console:\n" + consoleSoFar());
            }
            return new Result(process.exitValue(), Files.readString(output), log, consoleSoFar());
        }
    }

    /**
     * Starts the harness: {@code version=9p2000.u}, the given extra mount options, {@code guest}
     * run in the mount, {@code expect} (may be null) matched in order, {@code env} exported to the guest.
     */
    static Run start(Path harness, int port, Path guest, Path expect, String mountOpts, int timeoutS,
                     List<String> env, Path workDir) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", harness.toString(), "-v", "9p2000.u", "-t", String.valueOf(timeoutS),
                "-l", workDir.resolve("console.log").toString()));
        if (mountOpts != null && !mountOpts.isEmpty()) cmd.addAll(List.of("-o", mountOpts));
        if (expect != null) cmd.addAll(List.of("-x", expect.toString()));
        for (String kv : env) cmd.addAll(List.of("-e", kv));
        cmd.add(String.valueOf(port));
        cmd.add(guest.toString());
        Path output = workDir.resolve("harness.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new Run(p, workDir.resolve("console.log"), output, timeoutS);
    }

    static Result run(Path harness, int port, Path guest, Path expect, String mountOpts, int timeoutS,
                      List<String> env, Path workDir) throws IOException, InterruptedException {
        return start(harness, port, guest, expect, mountOpts, timeoutS, env, workDir).await();
    }
}
