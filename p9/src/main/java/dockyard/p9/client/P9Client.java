package dockyard.p9.client;

import dockyard.p9.Endpoint;
import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.codec.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A 9P2000.u (or 9P2000) client on one connection, attached to one tree. Thread-safe and
 * multiplexed: any number of threads may have requests outstanding at once.
 *
 * <p>Two levels of API: {@link Fid} for protocol-level work, and path-level conveniences
 * ({@link #readAll}, {@link #writeFile}, {@link #list}, ...) taking '/'-separated paths relative to
 * the attach root. Server errors surface as {@link RemoteException}.
 */
public final class P9Client implements AutoCloseable {

    /**
     * @param uname   the user to attach as
     * @param aname   the tree to attach to ("" for the server's default)
     * @param msize   the largest message to propose; the server may lower it
     * @param dialect the dialect to propose; 9P2000.u servers may answer plain 9P2000
     */
    public record Options(String uname, String aname, int msize, Dialect dialect) {
        public static final int DEFAULT_MSIZE = (1 << 20) + Codec.IOHDRSZ;

        public Options {
            Objects.requireNonNull(uname, "uname");
            Objects.requireNonNull(aname, "aname");
            Objects.requireNonNull(dialect, "dialect");
            if (msize <= Codec.IOHDRSZ) throw new IllegalArgumentException("msize too small: " + msize);
        }

        public static Options defaults() {
            return new Options(System.getProperty("user.name", "none"), "", DEFAULT_MSIZE, Dialect.P9_2000_U);
        }

        public Options withUser(String u, String a) { return new Options(u, a, msize, dialect); }

        public Options withMsize(int m) { return new Options(uname, aname, m, dialect); }

        public Options withDialect(Dialect d) { return new Options(uname, aname, msize, d); }
    }

    private final Multiplexer mux;
    private final FidPool fids = new FidPool();
    private final Fid root;

    private P9Client(Multiplexer mux, Options opts) throws IOException {
        this.mux = mux;
        int rootFid = fids.acquire();
        Rattach r = Responses.expect(mux.rpc(tag -> new Tattach(tag, rootFid, Message.NOFID, opts.uname(), opts.aname(),
                Tattach.NONUNAME)), Rattach.class);
        this.root = new Fid(this, rootFid, r.qid(), true);
    }

    public static P9Client connect(Endpoint ep) throws IOException { return connect(ep, Options.defaults()); }

    public static P9Client connect(Endpoint ep, String uname, String aname) throws IOException {
        return connect(ep, Options.defaults().withUser(uname, aname));
    }

    public static P9Client connect(Endpoint ep, Options opts) throws IOException {
        SocketChannel ch = SocketChannel.open(ep.family());
        try {
            ch.connect(ep.address());
            // Request/response traffic: waiting to coalesce small frames only adds latency.
            if (ch.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY))
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return over(ch, opts);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A client on an already-connected channel, which it then owns. */
    public static P9Client over(ByteChannel channel, Options opts) throws IOException {
        Multiplexer mux = Multiplexer.negotiate(channel, opts.dialect(), opts.msize());
        try {
            return new P9Client(mux, opts);
        } catch (IOException | RuntimeException e) {
            mux.close();
            throw e;
        }
    }

    public Dialect dialect() { return mux.dialect(); }

    /** The negotiated message size. */
    public int msize() { return mux.msize(); }

    /** The attach root. Owned by the client: closing it is a no-op until the client closes. */
    public Fid root() { return root; }

    /** A new fid for {@code path}; the caller closes it. A refused walk's error names the path. */
    public Fid walk(String path) throws IOException {
        try {
            return root.walk(PathNames.split(path));
        } catch (RemoteException e) {
            throw naming(e, path);
        }
    }

    /** The directory holding {@code path}; a refused walk's error names the path. */
    private Fid walkParent(String path) throws IOException {
        try {
            return root.walk(PathNames.parent(path));
        } catch (RemoteException e) {
            throw naming(e, path);
        }
    }

    /**
     * A server that fails a walk as a whole (as DataKit's does) says only why, not which name; the
     * user of a path-level call should still see the path.
     */
    private static RemoteException naming(RemoteException e, String path) {
        if (path.isEmpty() || e.getMessage() != null && e.getMessage().contains(path)) return e;
        RemoteException named = new RemoteException(e.getMessage() + ": " + path, e.errno());
        named.initCause(e);
        return named;
    }

    // ---- path-level conveniences ----

    public byte[] readAll(String path) throws IOException {
        try (Fid f = walk(path).open(OpenMode.OREAD)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long offset = 0;
            for (ByteBuffer chunk; (chunk = f.read(offset, f.maxIo())).hasRemaining(); ) {
                offset += chunk.remaining();
                if (chunk.hasArray()) out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
                else {
                    byte[] copy = new byte[chunk.remaining()];
                    chunk.get(copy);
                    out.write(copy);
                }
            }
            return out.toByteArray();
        }
    }

    public String readString(String path) throws IOException {
        return new String(readAll(path), StandardCharsets.UTF_8);
    }

    /** Replaces the content of {@code path}, creating it (mode 0644) if it does not exist. */
    public void writeFile(String path, byte[] data) throws IOException {
        try (Fid f = openForWrite(path, OpenMode.OWRITE | OpenMode.OTRUNC)) {
            f.writeFully(0, ByteBuffer.wrap(data));
        }
    }

    public void writeString(String path, String text) throws IOException {
        writeFile(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Adds {@code data} at the end of {@code path}, creating it if missing. Writes at the length
     * seen when opening; servers that honour OAPPEND append regardless of concurrent writers.
     */
    public void append(String path, byte[] data) throws IOException {
        try (Fid f = openForWrite(path, OpenMode.OWRITE | OpenMode.OAPPEND)) {
            f.writeFully(f.stat().length(), ByteBuffer.wrap(data));
        }
    }

    /** Creates the directory {@code path} (mode 0755); its parent must exist. */
    public void mkdir(String path) throws IOException {
        String name = PathNames.name(path);
        try (Fid dir = walkParent(path)) {
            dir.create(name, Stat.DMDIR | 0755, OpenMode.OREAD);
        }
    }

    public void remove(String path) throws IOException {
        walk(path).remove();
    }

    /** The entries of the directory {@code path}. */
    public List<Stat> list(String path) throws IOException {
        try (Fid dir = walk(path).open(OpenMode.OREAD)) {
            List<Stat> entries = new ArrayList<>();
            long offset = 0;
            for (ByteBuffer chunk; (chunk = dir.read(offset, dir.maxIo())).hasRemaining(); ) {
                offset += chunk.remaining();
                entries.addAll(Codec.decodeStats(chunk, dialect()));
            }
            return entries;
        }
    }

    public Stat stat(String path) throws IOException {
        try (Fid f = walk(path)) {
            return f.stat();
        }
    }

    /** Whether {@code path} can be walked to; false also when the server refuses the walk (as {@code Files.exists}). */
    public boolean exists(String path) throws IOException {
        try (Fid _ = walk(path)) {
            return true;
        } catch (RemoteException e) {
            return false;
        }
    }

    /** Renames {@code path} within its directory. */
    public void rename(String path, String newName) throws IOException {
        try (Fid f = walk(path)) {
            f.wstat(Stat.dontTouch().withName(newName));
        }
    }

    /** Truncates or extends {@code path} to {@code length} bytes. */
    public void truncate(String path, long length) throws IOException {
        try (Fid f = walk(path)) {
            f.wstat(Stat.dontTouch().withLength(length));
        }
    }

    /**
     * A stream over {@code path} from its start. Reads block while the server's file does; closing
     * the stream from another thread cancels a blocked read (which then returns -1).
     */
    public InputStream openStream(String path) throws IOException {
        Fid f = walk(path);
        try {
            return new FidInputStream(f.open(OpenMode.OREAD));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Ends the connection; the server clunks every fid. Outstanding and later calls fail. */
    @Override
    public void close() { mux.close(); }

    public boolean isOpen() { return mux.isOpen(); }

    Multiplexer mux() { return mux; }

    FidPool fids() { return fids; }

    /** {@code path} opened with {@code mode}, created (0644) in its directory if it does not exist. */
    private Fid openForWrite(String path, int mode) throws IOException {
        String name = PathNames.name(path);
        try (Fid dir = walkParent(path)) {
            Fid f;
            try {
                f = dir.walk(name);
            } catch (RemoteException missing) {
                if (missing.errno() != P9Error.ENOENT && missing.errno() != 0) throw missing;
                Fid created = dir.walk();
                try {
                    return created.create(name, 0644, mode);
                } catch (RemoteException e) {
                    created.close();
                    if (e.errno() != P9Error.EEXIST) throw e;
                    f = dir.walk(name); // lost a race with another creator: open theirs
                }
            }
            try {
                return f.open(mode);
            } catch (IOException | RuntimeException e) {
                f.close();
                throw e;
            }
        }
    }
}
