package dockyard.p9.testing;

import dockyard.p9.Endpoint;
import dockyard.p9.codec.*;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.*;

/**
 * A bare protocol-level connection for tests: sends exactly the frames a test writes and hands back
 * exactly what the server sends, in order, so tests can assert on tags, ordering and silence.
 */
public final class RawConnection implements AutoCloseable {
    private final SocketChannel channel;
    private volatile Codec codec;
    private final FrameWriter writer;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final Thread reader;

    private RawConnection(SocketChannel channel) {
        this.channel = channel;
        this.codec = new Codec(Dialect.P9_2000_U);
        this.writer = new FrameWriter(channel);
        this.reader = Thread.ofVirtual().start(this::readLoop);
    }

    public static RawConnection open(Endpoint ep) throws IOException {
        SocketChannel ch = SocketChannel.open(ep.family());
        ch.connect(ep.address());
        return new RawConnection(ch);
    }

    /** Opens, negotiates 9P2000.u with {@code msize} and attaches fid 0 to the root. */
    public static RawConnection attached(Endpoint ep, int msize) throws Exception {
        RawConnection c = open(ep);
        c.codec = new Codec(Dialect.P9_2000);
        Rversion v = c.rpc(new Tversion(Message.NOTAG, msize, "9P2000.u"), Rversion.class);
        c.codec = new Codec(Dialect.ofVersion(v.version()).orElseThrow());
        c.rpc(new Tattach(1, 0, Message.NOFID, "test", "", Tattach.NONUNAME), Rattach.class);
        return c;
    }

    public void useDialect(Dialect d) { codec = new Codec(d); }

    public void send(Message m) throws IOException { writer.write(codec.encodeParts(m)); }

    public void sendRaw(byte[] bytes) throws IOException { writer.write(ByteBuffer.wrap(bytes)); }

    /** The next message from the server; fails if none comes within 5 seconds or the connection ended. */
    public Message receive() throws Exception { return receive(5_000); }

    public Message receive(long millis) throws Exception {
        Object o = received.poll(millis, TimeUnit.MILLISECONDS);
        if (o == null) throw new SocketTimeoutException("no message within " + millis + " ms");
        if (o instanceof Exception e) throw e;
        return (Message) o;
    }

    /** The next message if one arrives within {@code millis}, else null. */
    public Message poll(long millis) throws Exception {
        Object o = received.poll(millis, TimeUnit.MILLISECONDS);
        if (o instanceof Exception e) throw e;
        return (Message) o;
    }

    public <T extends Message> T rpc(Message request, Class<T> expected) throws Exception {
        send(request);
        Message m = receive();
        if (!expected.isInstance(m)) throw new AssertionError("expected " + expected.getSimpleName() + " but got " + m);
        return expected.cast(m);
    }

    /** True once the server has closed the connection (waits up to {@code millis}). */
    public boolean closedByServer(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            Object o = received.poll(50, TimeUnit.MILLISECONDS);
            if (o instanceof Exception) return true;
        }
        return false;
    }

    private void readLoop() {
        FrameReader frames = new FrameReader(channel);
        try {
            while (true) {
                ByteBuffer f = frames.read(Codec.UNLIMITED);
                if (f == null) throw new java.io.EOFException("server closed the connection");
                received.add(codec.decode(f));
            }
        } catch (Exception e) {
            received.add(e);
        }
    }

    @Override
    public void close() throws IOException { channel.close(); }
}
