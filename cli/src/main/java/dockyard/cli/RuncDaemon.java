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
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code dockyard runc daemon}: a resident JVM that runs runc verbs for a thin client (the C
 * helper's {@code client} mode, which bin/dockyard-runc uses when this socket exists), so a verb
 * costs a socket round trip instead of a JVM start. The client sends its cwd and argv; the daemon
 * answers with output frames, hands it the plan to execute for create/run/exec, and ends with the
 * exit status.
 */
@Command(name = "daemon", description = "Serve runc verbs to bin/dockyard-runc from a resident JVM (avoids a JVM start per verb).")
final class RuncDaemon implements Callable<Integer> {
    static final String DEFAULT_SOCKET = "/run/dockyard/runc.sock";

    @Option(names = "--socket", description = "Unix socket to listen on. Default: " + DEFAULT_SOCKET + " (env DOCKYARD_RUNC_DAEMON)")
    Path socket;

    @Override public Integer call() throws Exception {
        Path sock = socket != null ? socket : Path.of(System.getenv().getOrDefault("DOCKYARD_RUNC_DAEMON", DEFAULT_SOCKET));
        Files.createDirectories(sock.toAbsolutePath().getParent());
        Files.deleteIfExists(sock);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            // Only root may talk to it: the daemon acts with the runtime's full privileges.
            Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-------"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.deleteIfExists(sock);
                } catch (IOException ignored) {
                    // best effort
                }
            }));
            System.err.println("dockyard runc daemon: listening on " + sock);
            acceptLoop(server);
            return 0;
        }
    }

    /** Serves each client on its own virtual thread until the server channel is closed. */
    static void acceptLoop(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("runc-client").start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    static void serve(SocketChannel channel) {
        try (channel) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
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
