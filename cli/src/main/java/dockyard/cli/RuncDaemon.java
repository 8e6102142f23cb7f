package dockyard.cli;

import dockyard.runc.RemoteHelper;
import dockyard.runc.plan.Plan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code dockyard runc daemon}: a resident JVM that runs runc verbs for a thin client (the C
 * helper's {@code client} mode, which bin/dockyard-runc uses by default), so a verb costs a socket
 * round trip instead of a JVM start. The client sends who it is (build, namespaces), then its cwd
 * and argv; the daemon answers with output frames, hands it the plan to execute for
 * create/run/exec, and ends with the exit status.
 *
 * <p>bin/dockyard-runc starts one on first use ({@code --idle-timeout 60}), so it must be safe to
 * find running: it serves only clients of its own uid, of its own build (and exits as soon as a
 * newer one asks, or its class path changed under it) and in its own namespaces; it binds only
 * when no other daemon answers on the socket; and it leaves when idle, unlinking the socket
 * first so that a client arriving meanwhile starts a fresh daemon instead of finding a closing one.
 */
@Command(name = "daemon", description = "Serve runc verbs to bin/dockyard-runc from a resident JVM (avoids a JVM start per verb).")
final class RuncDaemon implements Callable<Integer> {
    static final String DEFAULT_SOCKET = "/run/dockyard/runc.sock";
    /** How long a closing daemon keeps accepting: covers a connect that found the socket just before it was unlinked. */
    static final Duration GRACE = Duration.ofMillis(200);

    @Option(names = "--socket", description = "Unix socket to listen on. Default: " + DEFAULT_SOCKET + " (env DOCKYARD_RUNC_DAEMON)")
    Path socket;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Exit after this long with no client connected: seconds, or with an ms/s/m suffix; 0 = never (default). bin/dockyard-runc starts the daemon with 60 (env DOCKYARD_RUNC_IDLE).")
    String idleTimeout = "0";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        Duration idle;
        try {
            idle = parseDuration(idleTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path sock = (socket != null ? socket : Path.of(System.getenv().getOrDefault("DOCKYARD_RUNC_DAEMON", DEFAULT_SOCKET))).toAbsolutePath();
        Files.createDirectories(sock.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Identity identity = Identity.current();
        Resident resident = Resident.bind(sock, identity, idle);
        if (resident == null) {
            spec.commandLine().getErr().println("dockyard runc daemon: another daemon is listening on " + sock);
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(resident::unlinkIfOurs));
        System.err.println("dockyard runc daemon: listening on " + sock + " (pid " + ProcessHandle.current().pid() + ", build " + identity.build()
                + (idle.isZero() ? "" : ", exits after " + idle.toMillis() + " ms idle") + ")");
        resident.serveUntilClosed();
        System.err.println("dockyard runc daemon: " + resident.closedBecause() + ", exiting");
        return 0;
    }

    static Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)?").matcher(text.trim());
        if (!m.matches()) throw new IllegalArgumentException("invalid --idle-timeout \"" + text + "\" (e.g. 60, 60s, 500ms, 2m)");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /**
     * Who a daemon is, to compare with each client's hello: the build id compiled into the helper
     * (the runc module's build-id resource beside it), the namespaces its Java side acts in, and
     * the class path as it was when it started (a rebuild that replaced a jar under a running JVM
     * must not be served by it).
     */
    record Identity(String build, String namespaces, List<Stamp> classPath) {
        record Stamp(Path file, FileTime modified) {}

        static final List<String> NAMESPACES = List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts");

        static Identity current() throws IOException {
            String build;
            try (InputStream in = RuncDaemon.class.getClassLoader().getResourceAsStream("dockyard/runc/native/build-id")) {
                build = in == null ? "unbuilt" : new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
            List<Stamp> stamps = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
                Path f = Path.of(entry);
                if (!entry.isEmpty() && Files.isRegularFile(f)) stamps.add(new Stamp(f, Files.getLastModifiedTime(f)));
            }
            return new Identity(build, currentNamespaces(), List.copyOf(stamps));
        }

        /** "cgroup:[N] ipc:[N] ...": the same string the C client builds for itself. */
        static String currentNamespaces() {
            List<String> ids = new ArrayList<>();
            for (String kind : NAMESPACES) {
                try {
                    ids.add(Files.readSymbolicLink(Path.of("/proc/self/ns", kind)).toString());
                } catch (IOException e) {
                    // a kernel without this kind: the client sees the same
                }
            }
            return String.join(" ", ids);
        }

        /** Why this daemon is out of date, or null. */
        String staleness(String clientBuild) {
            if (!build.equals(clientBuild)) return "build " + clientBuild + " asked a daemon of build " + build;
            for (Stamp s : classPath) {
                try {
                    if (!Files.getLastModifiedTime(s.file()).equals(s.modified())) return "build: " + s.file() + " changed since the daemon started";
                } catch (IOException e) {
                    return "build: " + s.file() + " is gone since the daemon started";
                }
            }
            return null;
        }
    }

    /** The listening daemon: its socket, the clients being served, and when it goes. */
    static final class Resident {
        /** What serves one connection (the runc verbs, or any kit's for {@code dockyard resident}). */
        interface Handler {
            void serve(SocketChannel client, Resident resident);
        }

        private Handler handler = RuncDaemon::serve;
        private final ServerSocketChannel server;
        private final Path sock;       // null: not ours to unlink (tests that bind themselves)
        private final Object inode;
        private final Identity identity;
        private final Duration idle;
        private int active;
        private long lastActivity = System.nanoTime();
        private String closedBecause;

        Resident(ServerSocketChannel server, Path sock, Object inode, Identity identity, Duration idle) {
            this.server = server;
            this.sock = sock;
            this.inode = inode;
            this.identity = identity;
            this.idle = idle;
        }

        /**
         * Binds SOCK unless another daemon answers there (then null). The check and the bind happen
         * under a lock on SOCK.lock, so two daemons started at once cannot both bind (one would
         * unlink the other's socket and leave it serving nobody). The C clients flock the same
         * file while one of them starts a daemon: flock and this fcntl lock do not conflict on
         * Linux, so that client can hold its flock while waiting for us.
         */
        static Resident bind(Path sock, Identity identity, Duration idle) throws IOException {
            Path lockFile = sock.resolveSibling(sock.getFileName() + ".lock");
            try (FileChannel lf = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                 FileLock ignored = lf.lock()) {
                if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS) && answers(sock)) return null;
                Files.deleteIfExists(sock);
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    server.bind(UnixDomainSocketAddress.of(sock));
                    // Only root may talk to it: the daemon acts with the runtime's full privileges.
                    Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-------"));
                    Object inode = Files.getAttribute(sock, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                    return new Resident(server, sock, inode, identity, idle);
                } catch (IOException | RuntimeException e) {
                    server.close();
                    throw e;
                }
            }
        }

        Resident handler(Handler h) {
            this.handler = h;
            return this;
        }

        static boolean answers(Path sock) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                return probe.isConnected();
            } catch (IOException e) {
                return false;
            }
        }

        /** Accepts until the socket is closed (idle, stale, or by the caller), then waits for the clients being served. */
        void serveUntilClosed() throws InterruptedException {
            if (!idle.isZero()) Thread.ofVirtual().name("runc-daemon-idle").start(this::watchIdle);
            while (server.isOpen()) {
                SocketChannel client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    break;
                }
                synchronized (this) {
                    active++;
                }
                Thread.ofVirtual().name("runc-client").start(() -> {
                    try {
                        handler.serve(client, this);
                    } finally {
                        synchronized (this) {
                            active--;
                            lastActivity = System.nanoTime();
                            notifyAll();
                        }
                    }
                });
            }
            synchronized (this) {
                while (active > 0) wait();
            }
        }

        private void watchIdle() {
            long tick = Math.clamp(idle.toMillis() / 10, 10, 1000);
            try {
                while (true) {
                    Thread.sleep(tick);
                    synchronized (this) {
                        if (closedBecause != null) return;
                        if (active > 0 || System.nanoTime() - lastActivity < idle.toNanos()) continue;
                    }
                    close("idle for " + idle.toMillis() + " ms");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Leaves: the socket is unlinked at once (a new client finds no daemon and starts one), and
         * closed after a short grace in which a connect that raced the unlink is still served.
         */
        void close(String why) {
            synchronized (this) {
                if (closedBecause != null) return;
                closedBecause = why;
            }
            unlinkIfOurs();
            Thread.ofVirtual().name("runc-daemon-close").start(() -> {
                try {
                    Thread.sleep(GRACE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    server.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            });
        }

        /** A client went away mid-verb and the daemon must go as its JVM would have: the socket is removed first; the exit status to use. */
        int clientGone() {
            unlinkIfOurs();
            // fd 2 is the daemon's log; System.err may be the gone client's frames just now
            try {
                new java.io.FileOutputStream(java.io.FileDescriptor.err).write(
                        "dockyard resident: the client went away during its verb, exiting\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // exiting anyway
            }
            return 1;
        }

        synchronized String closedBecause() {
            return closedBecause == null ? "closed" : closedBecause;
        }

        /** Removes the socket file if it is still the one this daemon bound (not a successor's). */
        void unlinkIfOurs() {
            if (sock == null) return;
            try {
                if (inode.equals(Files.getAttribute(sock, "unix:ino", LinkOption.NOFOLLOW_LINKS))) Files.delete(sock);
            } catch (IOException ignored) {
                // gone already
            }
        }

        /** Why this client must not be served here, or null. A stale daemon also starts leaving. */
        String refusal(SocketChannel channel, String clientBuild, String clientNamespaces) {
            try {
                UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
                if (!peer.user().getName().equals(System.getProperty("user.name"))) return "user " + peer.user().getName() + " is not the daemon's";
            } catch (IOException | UnsupportedOperationException e) {
                return "user unknown (" + e.getMessage() + ")";
            }
            String stale = identity.staleness(clientBuild);
            if (stale != null) {
                close("stale (" + stale + ")");
                return stale;
            }
            if (!identity.namespaces().equals(clientNamespaces)) return "namespaces: the client's are " + clientNamespaces + ", the daemon's " + identity.namespaces();
            return null;
        }
    }

    /** Serves clients of this process's build on SERVER until it is closed (tests bind their own socket). */
    static void acceptLoop(ServerSocketChannel server) {
        try {
            new Resident(server, null, null, Identity.current(), Duration.ZERO).serveUntilClosed();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void serve(SocketChannel channel, Resident resident) {
        try (channel) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
            Plan.Directive hello = Plan.read(in, 1 << 20);
            if (hello == null) return; // a probe (another daemon checking whether we answer)
            if (!hello.keyword().equals("hello") || hello.args().size() != 2) {
                frame(out, "err", "dockyard runc daemon: the client did not say hello (a client of an older build?)\n");
                send(out, "exit 1\n");
                return;
            }
            String refusal = resident.refusal(channel, hello.args().get(0), hello.args().get(1));
            if (refusal != null) {
                frame(out, "refuse", refusal);
                return;
            }
            Plan.Directive request = Plan.read(in, 1 << 20);
            if (request == null) return;
            if (!request.keyword().equals("request") || request.args().isEmpty()) {
                frame(out, "err", "dockyard runc daemon: malformed request\n");
                send(out, "exit 1\n");
                return;
            }
            if (request.args().contains("daemon")) {
                frame(out, "err", "dockyard runc daemon: a daemon is already serving this client\n");
                send(out, "exit 1\n");
                return;
            }
            if (request.args().size() < 2) {
                frame(out, "err", "dockyard runc daemon: malformed request\n");
                send(out, "exit 1\n");
                return;
            }
            long pid = Long.parseLong(request.args().get(0));
            int code = run(pid, request.args().get(1), request.args().subList(2, request.args().size()), in, out);
            send(out, "exit " + code + "\n");
        } catch (IOException e) {
            // the client went away; nothing to report to
        }
    }

    static int run(long clientPid, String cwd, List<String> args, InputStream in, OutputStream out) {
        AtomicBoolean helperPhase = new AtomicBoolean();
        FrameWriter stdout = new FrameWriter("out", out, helperPhase);
        FrameWriter stderr = new FrameWriter("err", out, helperPhase);
        RuncCommand cmd = new RuncCommand(root -> RemoteHelper.launcher(in, out,
                () -> { stdout.drain(); stderr.drain(); helperPhase.set(true); },
                () -> helperPhase.set(false)));
        cmd.cwd = Path.of(cwd);
        cmd.clientPid = clientPid;
        CommandLine cl = new CommandLine(cmd);
        // runc accepts e.g. `--root state`; a value that is also a verb name is still a value
        cl.setAllowSubcommandsAsOptionParameters(true);
        RuncCommand.configure(cl);
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        cl.setExecutionExceptionHandler((e, c, parse) -> {
            c.getErr().println("dockyard: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        int code = cl.execute(args.toArray(String[]::new));
        helperPhase.set(false);
        stdout.drain();
        stderr.drain();
        return code;
    }

    static void frame(OutputStream out, String kind, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write((kind + " " + bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write('\n');
            out.flush();
        }
    }

    static void send(OutputStream out, String line) throws IOException {
        synchronized (out) {
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Text for the client's stdout or stderr, held back while the client is busy executing a plan. */
    static final class FrameWriter extends Writer {
        private final String kind;
        private final OutputStream out;
        private final AtomicBoolean hold;
        private final StringBuilder buffer = new StringBuilder();

        FrameWriter(String kind, OutputStream out, AtomicBoolean hold) {
            this.kind = kind;
            this.out = out;
            this.hold = hold;
        }

        @Override public synchronized void write(char[] cbuf, int off, int len) {
            buffer.append(cbuf, off, len);
        }

        @Override public void flush() {
            if (!hold.get()) drain();
        }

        synchronized void drain() {
            if (buffer.isEmpty()) return;
            try {
                frame(out, kind, buffer.toString());
            } catch (IOException e) {
                // client gone
            }
            buffer.setLength(0);
        }

        @Override public void close() {
            flush();
        }
    }
}
