package dockyard.hyperkit.virtio;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * virtio-9p (device 9): the guest's 9P messages carried to a 9P server on a socket, so a guest
 * mounts DataKit (or any 9P2000.u/.L server) with {@code mount -t 9p -o trans=virtio TAG /mnt}.
 * Each request chain holds one T-message (readable) and room for the R-message (writable). The
 * messages go to the server as they come, and replies are matched back to their chains by tag, so
 * a blocked read (a DataKit watch) does not hold up other requests, and Tflush works as on TCP.
 */
public final class Virtio9p implements VirtioDevice {
  static final int MAX_MESSAGE = 1 << 20;

  private final String tag;
  private final String address;
  private final DeviceWorker worker = new DeviceWorker("virtio-9p", e -> {});
  private final Map<Integer, Virtqueue.Chain> inFlight = new ConcurrentHashMap<>();
  private SocketChannel server;
  private volatile VirtioContext ctx;

  /** @param address tcp:HOST:PORT, tcp://HOST:PORT or unix:PATH of the 9P server */
  public Virtio9p(String tag, String address) {
    if (tag.isEmpty() || tag.getBytes(StandardCharsets.UTF_8).length > 255) throw new IllegalArgumentException("9p tag must be 1..255 bytes");
    this.tag = tag;
    this.address = address;
  }

  static SocketChannel connect(String address) throws IOException {
    String a = address.replace("tcp://", "tcp:");
    if (a.startsWith("unix:")) {
      SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
      c.connect(UnixDomainSocketAddress.of(Path.of(a.substring(5))));
      return c;
    }
    if (a.startsWith("tcp:")) {
      String hp = a.substring(4);
      int colon = hp.lastIndexOf(':');
      if (colon < 0) throw new IOException("9p server \"" + address + "\": want tcp:HOST:PORT or unix:PATH");
      return SocketChannel.open(new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1))));
    }
    throw new IOException("9p server \"" + address + "\": want tcp:HOST:PORT or unix:PATH");
  }

  @Override public int deviceId() { return ID_9P; }
  @Override public long features() { return 1; } // VIRTIO_9P_MOUNT_TAG
  @Override public int queueCount() { return 1; }

  @Override
  public long readConfig(int offset, int size) {
    byte[] t = tag.getBytes(StandardCharsets.UTF_8);
    byte[] cfg = new byte[2 + t.length];
    cfg[0] = (byte) t.length;
    cfg[1] = (byte) (t.length >> 8);
    System.arraycopy(t, 0, cfg, 2, t.length);
    long v = 0;
    for (int i = 0; i < size; i++) if (offset + i < cfg.length) v |= (long) (cfg[offset + i] & 0xff) << (8 * i);
    return v;
  }

  @Override
  public synchronized void activate(VirtioContext context) {
    ctx = context;
  }

  /** A connection per driver session: made when the first request comes, replaced after a reset. */
  private synchronized SocketChannel server(VirtioContext c) throws IOException {
    if (server == null || !server.isOpen()) {
      SocketChannel s = connect(address);
      server = s;
      Thread.ofVirtual().name("virtio-9p replies").start(() -> replies(s, c));
    }
    return server;
  }

  @Override
  public void notify(int queue) {
    VirtioContext c = ctx;
    if (c == null) return;
    worker.submit(() -> {
      Virtqueue q = c.queue(0);
      try {
        for (Virtqueue.Chain chain; (chain = q.pop()) != null; ) {
          byte[] msg = q.readAll(chain);
          if (msg.length < 7) throw new IllegalArgumentException("9p request of " + msg.length + " bytes");
          ByteBuffer b = ByteBuffer.wrap(msg).order(ByteOrder.LITTLE_ENDIAN);
          int size = b.getInt(0);
          if (size != msg.length) throw new IllegalArgumentException("9p request says " + size + " bytes, chain holds " + msg.length);
          int tag = Short.toUnsignedInt(b.getShort(5));
          inFlight.put(tag, chain);
          try {
            ByteBuffer w = ByteBuffer.wrap(msg);
            SocketChannel s = server(c);
            synchronized (s) {
              while (w.hasRemaining()) s.write(w);
            }
          } catch (IOException e) {
            inFlight.remove(tag);
            answerError(c, chain, msg[4], tag, "9p server " + address + " unreachable: " + e.getMessage());
          }
        }
      } catch (RuntimeException e) {
        c.fail(e.getMessage());
      }
    });
  }

  /** Reads R-messages and completes the chain waiting on each tag. */
  private void replies(SocketChannel s, VirtioContext c) {
    ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    try {
      while (true) {
        head.clear();
        readFully(s, head);
        int size = head.getInt(0);
        if (size < 7 || size > MAX_MESSAGE) throw new IOException("9p reply of " + size + " bytes");
        ByteBuffer msg = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        msg.putInt(size);
        readFully(s, msg);
        byte[] bytes = msg.array();
        int tag = Short.toUnsignedInt(msg.getShort(5));
        Virtqueue.Chain chain = inFlight.remove(tag);
        if (chain == null) continue; // a reply to a flushed request
        deliver(c, chain, bytes);
      }
    } catch (IOException e) {
      // the server went away: outstanding requests get an error each
      for (var e2 : inFlight.entrySet()) {
        Virtqueue.Chain chain = inFlight.remove(e2.getKey());
        if (chain != null) answerError(c, chain, (byte) 0, e2.getKey(), "9p server connection lost");
      }
    }
  }

  private void deliver(VirtioContext c, Virtqueue.Chain chain, byte[] reply) {
    Virtqueue q = c.queue(0);
    int room = 0;
    for (Virtqueue.Buffer b : chain.writable()) room += b.length();
    if (reply.length > room) {
      c.fail("9p reply of " + reply.length + " bytes does not fit the guest's " + room + "-byte buffer (msize too big?)");
      return;
    }
    q.push(chain.head(), q.writeAll(chain, reply, 0));
    c.usedBuffers();
  }

  /** An Rerror in 9P2000.u form (ename, errno EIO) for a request the server never saw. */
  private void answerError(VirtioContext c, Virtqueue.Chain chain, byte type, int tag, String text) {
    byte[] ename = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 2 + ename.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(b.capacity()).put((byte) 107).putShort((short) tag).putShort((short) ename.length).put(ename).putInt(5);
    deliver(c, chain, b.array());
  }

  private static void readFully(SocketChannel s, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) if (s.read(b) < 0) throw new EOFException();
  }

  @Override
  public synchronized void reset() {
    ctx = null;
    inFlight.clear();
    if (server != null) {
      try {
        server.close(); // the next session starts with its own Tversion on a new connection
      } catch (IOException ignored) {
        // closed already
      }
      server = null;
    }
  }

  @Override
  public void close() {
    reset();
    worker.close();
  }
}
