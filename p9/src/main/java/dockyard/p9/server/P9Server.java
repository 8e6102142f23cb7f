package dockyard.p9.server;

import dockyard.p9.Endpoint;
import dockyard.p9.codec.Codec;
import dockyard.p9.vfs.FileSystem;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a {@link FileSystem} over 9P2000 or 9P2000.u, on a TCP or Unix socket and/or on channels
 * handed to {@link #serve}. Each connection runs on virtual threads: one reading frames, one per
 * request in flight, so a request blocked in a node (a stream read) never holds up the others.
 *
 * <p>{@link #close()} stops accepting, ends every connection (interrupting their requests) and
 * closes every file they had open.
 */
public final class P9Server implements AutoCloseable {

    /**
     * @param maxMsize the largest message size this server agrees to (the client may ask for less)
     * @param logger   where connection problems and unexpected filesystem failures are reported
     */
    public record Options(int maxMsize, System.Logger logger) {
        /** 1 MiB of data per read or write, plus the message header. */
        public static final int DEFAULT_MAX_MSIZE = (1 << 20) + Codec.IOHDRSZ;

        public Options {
            if (maxMsize < Connection.MIN_MSIZE)
                throw new IllegalArgumentException("maxMsize " + maxMsize + " is below the minimum " + Connection.MIN_MSIZE);
            Objects.requireNonNull(logger, "logger");
        }

        public static Options defaults() {
            return new Options(DEFAULT_MAX_MSIZE, System.getLogger(P9Server.class.getName()));
        }

        public Options withMaxMsize(int m) { return new Options(m, logger); }

        public Options withLogger(System.Logger l) { return new Options(maxMsize, l); }
    }

    /** How long {@link #close()} waits for each connection to wind down. */
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private final FileSystem fs;
    private final Options opts;
    private final ServerSocketChannel listener;
    private final Endpoint endpoint;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;

    private P9Server(FileSystem fs, Options opts, ServerSocketChannel listener) throws IOException {
        this.fs = fs;
        this.opts = opts;
        this.listener = listener;
        this.endpoint = new Endpoint(listener.getLocalAddress());
        this.acceptor = Thread.ofVirtual().name("9p accept " + endpoint).unstarted(this::acceptLoop);
    }

    public static P9Server start(FileSystem fs, Endpoint listen) throws IOException {
        return start(fs, listen, Options.defaults());
    }

    /**
     * Listens on {@code listen} (TCP port 0 picks a free port; see {@link #endpoint()}) and serves
     * until closed. A leftover Unix socket file is replaced, unless a live server still answers on it.
     */
    public static P9Server start(FileSystem fs, Endpoint listen, Options opts) throws IOException {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(opts, "opts");
        if (listen.address() instanceof UnixDomainSocketAddress unix) removeStaleSocket(unix);
        ServerSocketChannel ch = ServerSocketChannel.open(listen.family());
        try {
            ch.bind(listen.address());
            P9Server server = new P9Server(fs, opts, ch);
            server.acceptor.start();
            return server;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The bound address: the real port for TCP, the socket path for Unix sockets. */
    public Endpoint endpoint() { return endpoint; }

    /**
     * Serves one already-connected channel on the calling thread until it ends (the peer hangs up,
     * sends garbage, or the server closes). The channel is closed on return.
     */
    public void serve(ByteChannel channel) {
        serve(channel, "9p connection #" + connectionIds.incrementAndGet());
    }

    /** The number of connections being served right now. */
    public int connectionCount() { return connections.size(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            opts.logger().log(Level.DEBUG, "closing listener: {0}", e.toString());
        }
        connections.forEach(Connection::close);
        try {
            acceptor.join(CLOSE_WAIT_MILLIS);
            for (Connection c : connections)
                if (!c.awaitFinished(CLOSE_WAIT_MILLIS))
                    opts.logger().log(Level.WARNING, "{0} did not wind down in time", c.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (endpoint.address() instanceof UnixDomainSocketAddress unix) {
            try {
                Files.deleteIfExists(unix.getPath());
            } catch (IOException e) {
                opts.logger().log(Level.WARNING, "cannot remove socket file {0}: {1}", unix.getPath(), e.toString());
            }
        }
    }

    private void serve(ByteChannel channel, String name) {
        Connection c = new Connection(channel, fs, opts, name, connections::remove);
        connections.add(c);
        if (closed) c.close(); // raced with close(): end at once instead of escaping its sweep
        c.run();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = listener.accept();
                noDelay(ch);
                String name = "9p connection #" + connectionIds.incrementAndGet() + " from " + describe(ch);
                // The frame reader is a platform thread: its blocking read wakes straight from the
                // socket, where a virtual thread waits for the poller and then for a carrier. With
                // non-blocking reads run inline (Session.runsInline) this took the server's median
                // Tread latency under the Linux client from 132 us to 30 us (bench/README.md).
                // Connections are few; requests that may block still get virtual threads.
                Thread.ofPlatform().daemon().name(name).start(() -> serve(ch, name));
            } catch (ClosedChannelException e) {
                return; // close() closed the listener
            } catch (IOException e) {
                if (closed) return;
                // Typically out of file descriptors: pause instead of spinning on the same failure.
                opts.logger().log(Level.WARNING, "accept on {0} failed: {1}", endpoint, e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Request/response traffic: delaying small frames to coalesce them only adds latency. */
    private void noDelay(SocketChannel ch) {
        try {
            if (ch.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY))
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            opts.logger().log(Level.DEBUG, "cannot set TCP_NODELAY: {0}", e.toString());
        }
    }

    private static String describe(SocketChannel ch) {
        try {
            Object remote = ch.getRemoteAddress();
            return remote == null || remote.toString().isEmpty() ? "unix peer" : remote.toString();
        } catch (IOException e) {
            return "unknown peer";
        }
    }

    /** A socket file left by a crashed server is removed; one that still accepts connections is in use. */
    private static void removeStaleSocket(UnixDomainSocketAddress unix) throws IOException {
        Path path = unix.getPath();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        // Sockets are neither files, directories nor links; never delete anything else in their name.
        if (!attrs.isOther()) throw new BindException(path + " exists and is not a socket");
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(unix);
            throw new BindException("address in use: a server is listening on " + path);
        } catch (BindException e) {
            throw e;
        } catch (IOException refused) {
            Files.delete(path);
        }
    }
}
