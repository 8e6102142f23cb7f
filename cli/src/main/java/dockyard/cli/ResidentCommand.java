package dockyard.cli;

import dockyard.runc.plan.Plan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code dockyard resident}: a resident JVM for the bin/dockyard verbs that bin/dockyard hands to
 * it (through the C helper's {@code client --resident} mode) instead of starting a JVM each time.
 * A JVM cannot take over a caller's working directory and environment per request, so a daemon
 * serves exactly one of each: the client names its socket after a hash of them (and the build,
 * uid, umask and namespaces) and starts it in that directory with that environment; here the
 * request's cwd is checked once more. Verbs run one at a time (System.out and System.err are the
 * request's for its duration); a request that finds one running is refused and takes the JVM path.
 * Same protocol, checks and idle exit as {@code dockyard runc daemon} (see {@link RuncDaemon}).
 */
@Command(name = "resident", hidden = true, description = "Serve bin/dockyard verbs from a resident JVM (started by bin/dockyard).")
final class ResidentCommand implements Callable<Integer> {
    @Option(names = "--socket", required = true) Path socket;
    @Option(names = "--idle-timeout", paramLabel = "DURATION") String idleTimeout = "60";
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private final ReentrantLock running = new ReentrantLock();

    @Override public Integer call() throws Exception {
        Duration idle;
        try {
            idle = RuncDaemon.parseDuration(idleTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path sock = socket.toAbsolutePath();
        Files.createDirectories(sock.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        RuncDaemon.Identity identity = RuncDaemon.Identity.current();
        RuncDaemon.Resident resident = RuncDaemon.Resident.bind(sock, identity, idle);
        if (resident == null) {
            spec.commandLine().getErr().println("dockyard resident: another daemon is listening on " + sock);
            return 1;
        }
        resident.handler(this::serve);
        Runtime.getRuntime().addShutdownHook(new Thread(resident::unlinkIfOurs));
        System.err.println("dockyard resident: listening on " + sock + " (pid " + ProcessHandle.current().pid() + ", build " + identity.build()
                + ", cwd " + System.getProperty("user.dir") + ")");
        resident.serveUntilClosed();
        System.err.println("dockyard resident: " + resident.closedBecause() + ", exiting");
        // one socket name per cwd + environment: leave no files behind for each of them (a client
        // starting a successor meanwhile holds its own lock file; a second daemon would not bind)
        Files.deleteIfExists(sock.resolveSibling(sock.getFileName() + ".lock"));
        Files.deleteIfExists(sock.resolveSibling(sock.getFileName() + ".log"));
        return 0;
    }

    void serve(SocketChannel channel, RuncDaemon.Resident resident) {
        try (channel) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
            Plan.Directive hello = Plan.read(in, 1 << 20);
            if (hello == null) return; // a probe
            if (!hello.keyword().equals("hello") || hello.args().size() != 2) {
                RuncDaemon.frame(out, "refuse", "protocol: no hello");
                return;
            }
            String refusal = resident.refusal(channel, hello.args().get(0), hello.args().get(1));
            Plan.Directive request = refusal != null ? null : Plan.read(in, 1 << 20);
            if (refusal == null && (request == null || !request.keyword().equals("request") || request.args().size() < 2)) refusal = "protocol: malformed request";
            if (refusal == null && !request.args().get(1).equals(System.getProperty("user.dir"))) refusal = "cwd " + request.args().get(1) + " is not this daemon's";
            if (refusal == null && !running.tryLock()) refusal = "busy";
            if (refusal != null) {
                RuncDaemon.frame(out, "refuse", refusal);
                return;
            }
            // The client sends nothing more: end-of-file means it was killed. A verb's own JVM would
            // have died with it, so this one does too (the next call starts a fresh daemon) rather
            // than go on writing files for nobody.
            java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
            Thread.ofVirtual().name("resident-client-watch").start(() -> {
                try {
                    while (in.read() >= 0) {
                        // nothing is expected; keep waiting for the end
                    }
                } catch (IOException e) {
                    // closed: the same
                }
                if (!finished.get()) Runtime.getRuntime().halt(resident.clientGone());
            });
            try {
                List<String> args = request.args().subList(2, request.args().size());
                int code = runFramed(args, out);
                finished.set(true);
                RuncDaemon.send(out, "exit " + code + "\n");
            } finally {
                finished.set(true);
                running.unlock();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Main.run(ARGS) with System.out and System.err sent to the client as out/err frames, System.in empty. */
    static int runFramed(List<String> args, OutputStream out) {
        PrintStream savedOut = System.out, savedErr = System.err;
        InputStream savedIn = System.in;
        // stdout in 64 KiB frames, whatever the command flushes (picocli flushes each line: a
        // 10,000-line listing would be 10,000 round trips); stderr as written (progress, errors)
        FrameStream stdout = new FrameStream("out", out, 1 << 16);
        PrintStream o = new PrintStream(stdout, false, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(new FrameStream("err", out, 0), true, StandardCharsets.UTF_8);
        System.setOut(o);
        System.setErr(e);
        System.setIn(InputStream.nullInputStream());
        try {
            return Main.run(args.toArray(String[]::new));
        } finally {
            o.flush();
            e.flush();
            try {
                stdout.drain();
            } catch (IOException gone) {
                // the client went away; its exit frame will fail the same way
            }
            System.setOut(savedOut);
            System.setErr(savedErr);
            System.setIn(savedIn);
        }
    }

    /** Bytes for the client's stdout or stderr: a frame per write, or per BUFFER bytes and at drain() when buffered. */
    static final class FrameStream extends OutputStream {
        private final String kind;
        private final OutputStream out;
        private final byte[] buffer;
        private int used;

        FrameStream(String kind, OutputStream out, int buffer) {
            this.kind = kind;
            this.out = out;
            this.buffer = new byte[buffer];
        }

        @Override public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (buffer.length == 0) {
                frame(b, off, len);
                return;
            }
            if (used + len > buffer.length) drain();
            if (len >= buffer.length) {
                frame(b, off, len);
                return;
            }
            System.arraycopy(b, off, buffer, used, len);
            used += len;
        }

        synchronized void drain() throws IOException {
            frame(buffer, 0, used);
            used = 0;
        }

        /** One frame per 64 KiB at most (the client takes frames up to 1 MiB). */
        private void frame(byte[] b, int off, int len) throws IOException {
            synchronized (out) {
                for (int at = off, end = off + len; at < end; ) {
                    int n = Math.min(end - at, 1 << 16);
                    out.write((kind + " " + n + ":").getBytes(StandardCharsets.US_ASCII));
                    out.write(b, at, n);
                    out.write('\n');
                    at += n;
                }
                out.flush();
            }
        }
    }
}
