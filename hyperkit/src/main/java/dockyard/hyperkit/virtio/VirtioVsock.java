package dockyard.hyperkit.virtio;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * virtio-vsock (device 19) with its host side on unix sockets, as Firecracker maps it: a guest
 * connecting to host port P reaches the unix socket {@code UDS_P}; a host program connecting to
 * {@code UDS} and writing {@code CONNECT P\n} reaches guest port P and is answered {@code OK HOSTPORT\n}.
 * Stream sockets only, with the spec's credit flow control in both directions (5.10.6.3).
 */
public final class VirtioVsock implements VirtioDevice {
  public static final long HOST_CID = 2;
  static final int HDR = 44, TYPE_STREAM = 1;
  static final int OP_REQUEST = 1, OP_RESPONSE = 2, OP_RST = 3, OP_SHUTDOWN = 4, OP_RW = 5, OP_CREDIT_UPDATE = 6, OP_CREDIT_REQUEST = 7;
  static final int BUF_ALLOC = 256 << 10, CHUNK = 4096;

  private final long guestCid;
  private final Path uds;
  private final DeviceWorker worker = new DeviceWorker("virtio-vsock", e -> {});
  private final ConcurrentLinkedQueue<byte[]> toGuest = new ConcurrentLinkedQueue<>();
  private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
  private final AtomicInteger nextHostPort = new AtomicInteger(1 << 20);
  private ServerSocketChannel listener;
  private volatile VirtioContext ctx;

  /** A stream between guest port {@code guestPort} and host port {@code hostPort}, over a unix socket. */
  private final class Connection {
    final long hostPort, guestPort;
    final SocketChannel socket;
    long peerBufAlloc, peerFwdCnt, txCnt, fwdCnt, lastCreditSent;
    volatile boolean open = true;
    SocketChannel pendingAnswer; // host-initiated: the client waiting for "OK port"

    Connection(long hostPort, long guestPort, SocketChannel socket) {
      this.hostPort = hostPort;
      this.guestPort = guestPort;
      this.socket = socket;
    }

    synchronized long credit() {
      return peerBufAlloc - (txCnt - peerFwdCnt);
    }

    /** Copies socket → guest, within the guest's credit. */
    void pump() {
      Thread.ofVirtual().name("vsock " + hostPort + "->" + guestPort).start(() -> {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        try {
          while (open) {
            int room;
            synchronized (this) {
              while (open && credit() <= 0) wait(200);
              room = (int) Math.min(CHUNK, credit());
            }
            if (!open) break;
            buf.clear().limit(room);
            int n = socket.read(buf);
            if (n < 0) {
              send(packet(this, OP_SHUTDOWN, 3, new byte[0]));
              break;
            }
            byte[] data = java.util.Arrays.copyOf(buf.array(), n);
            synchronized (this) {
              txCnt += n;
            }
            send(packet(this, OP_RW, 0, data));
          }
        } catch (IOException | InterruptedException e) {
          if (open) send(packet(this, OP_RST, 0, new byte[0]));
          close();
        }
      });
    }

    void close() {
      open = false;
      connections.remove(key(hostPort, guestPort));
      try {
        socket.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  public VirtioVsock(long guestCid, Path uds) throws IOException {
    if (guestCid < 3 || guestCid > 0xffffffffL) throw new IllegalArgumentException("guest CID must be 3..2^32-1, got " + guestCid);
    this.guestCid = guestCid;
    this.uds = uds;
    Files.deleteIfExists(uds);
    listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(uds));
    Thread.ofVirtual().name("vsock-listener " + uds).start(this::acceptHostConnections);
  }

  private static long key(long hostPort, long guestPort) {
    return (hostPort << 32) | (guestPort & 0xffffffffL);
  }

  @Override public int deviceId() { return ID_VSOCK; }
  @Override public long features() { return 0; }
  @Override public int queueCount() { return 3; }

  @Override
  public long readConfig(int offset, int size) {
    long v = guestCid >>> (8 * offset);
    return size >= 8 ? v : v & ((1L << (8 * size)) - 1);
  }

  @Override
  public void activate(VirtioContext context) {
    ctx = context;
  }

  /** Host programs: connect to UDS, write "CONNECT port\n", then talk to the guest's port. */
  private void acceptHostConnections() {
    try {
      while (true) {
        SocketChannel c = listener.accept();
        Thread.ofVirtual().start(() -> {
          try {
            ByteBuffer line = ByteBuffer.allocate(64);
            while (line.hasRemaining()) {
              if (c.read(line) < 0) throw new IOException("closed");
              if (line.array()[line.position() - 1] == '\n') break;
            }
            String cmd = new String(line.array(), 0, line.position(), StandardCharsets.US_ASCII).strip();
            if (!cmd.startsWith("CONNECT ")) throw new IOException("want CONNECT <port>");
            long port = Long.parseLong(cmd.substring(8).strip());
            Connection conn = new Connection(nextHostPort.getAndIncrement(), port, c);
            conn.pendingAnswer = c;
            connections.put(key(conn.hostPort, conn.guestPort), conn);
            send(packet(conn, OP_REQUEST, 0, new byte[0]));
          } catch (IOException | RuntimeException e) {
            try {
              c.close();
            } catch (IOException ignored) {
              // gone
            }
          }
        });
      }
    } catch (IOException closed) {
      // the device was closed
    }
  }

  private byte[] packet(Connection c, int op, int flags, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(HDR + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(HOST_CID).putLong(guestCid).putInt((int) c.hostPort).putInt((int) c.guestPort).putInt(data.length)
        .putShort((short) TYPE_STREAM).putShort((short) op).putInt(flags).putInt(BUF_ALLOC);
    synchronized (c) {
      b.putInt((int) c.fwdCnt);
      c.lastCreditSent = c.fwdCnt;
    }
    b.put(data);
    return b.array();
  }

  private byte[] reply(long srcPort, long dstPort, int op) {
    ByteBuffer b = ByteBuffer.allocate(HDR).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(HOST_CID).putLong(guestCid).putInt((int) srcPort).putInt((int) dstPort).putInt(0)
        .putShort((short) TYPE_STREAM).putShort((short) op).putInt(0).putInt(BUF_ALLOC).putInt(0);
    return b.array();
  }

  private void send(byte[] pkt) {
    toGuest.add(pkt);
    notify(0);
  }

  @Override
  public void notify(int queue) {
    worker.serve(ctx, c -> transmit(c) | deliver(c));
  }

  private boolean deliver(VirtioContext c) {
    Virtqueue rx = c.queue(0);
    boolean any = false;
    while (!toGuest.isEmpty()) {
      Virtqueue.Chain chain = rx.pop();
      if (chain == null) break;
      byte[] p = toGuest.poll();
      rx.push(chain.head(), rx.writeAll(chain, p, 0));
      any = true;
    }
    return any;
  }

  private boolean transmit(VirtioContext c) {
    Virtqueue tx = c.queue(1);
    return tx.drain(chain -> {
      byte[] p = tx.readAll(chain);
      if (p.length >= HDR) fromGuest(ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN));
      return 0;
    });
  }

  /** One packet from the guest. */
  private void fromGuest(ByteBuffer h) {
    long srcCid = h.getLong(0), dstCid = h.getLong(8);
    long srcPort = Integer.toUnsignedLong(h.getInt(16)), dstPort = Integer.toUnsignedLong(h.getInt(20));
    int len = h.getInt(24), type = h.getShort(28), op = h.getShort(30), flags = h.getInt(32);
    long bufAlloc = Integer.toUnsignedLong(h.getInt(36)), fwd = Integer.toUnsignedLong(h.getInt(40));
    if (srcCid != guestCid || dstCid != HOST_CID || type != TYPE_STREAM) {
      if (op != OP_RST) send(reply(dstPort, srcPort, OP_RST));
      return;
    }
    Connection conn = connections.get(key(dstPort, srcPort));
    if (conn != null) {
      synchronized (conn) {
        conn.peerBufAlloc = bufAlloc;
        conn.peerFwdCnt = fwd;
        conn.notifyAll();
      }
    }
    switch (op) {
      case OP_REQUEST -> {
        if (conn != null) return; // a duplicate request
        SocketChannel s;
        try {
          s = SocketChannel.open(StandardProtocolFamily.UNIX);
          s.connect(UnixDomainSocketAddress.of(uds.toString() + "_" + dstPort));
        } catch (IOException e) {
          send(reply(dstPort, srcPort, OP_RST)); // nobody listens on the host port
          return;
        }
        Connection n = new Connection(dstPort, srcPort, s);
        n.peerBufAlloc = bufAlloc;
        n.peerFwdCnt = fwd;
        connections.put(key(dstPort, srcPort), n);
        send(packet(n, OP_RESPONSE, 0, new byte[0]));
        n.pump();
      }
      case OP_RESPONSE -> {
        if (conn == null || conn.pendingAnswer == null) return;
        try {
          conn.pendingAnswer.write(ByteBuffer.wrap(("OK " + conn.hostPort + "\n").getBytes(StandardCharsets.US_ASCII)));
          conn.pendingAnswer = null;
          conn.pump();
        } catch (IOException e) {
          send(packet(conn, OP_RST, 0, new byte[0]));
          conn.close();
        }
      }
      case OP_RW -> {
        if (conn == null) {
          send(reply(dstPort, srcPort, OP_RST));
          return;
        }
        byte[] data = new byte[Math.max(0, Math.min(len, h.capacity() - HDR))];
        h.get(HDR, data);
        try {
          ByteBuffer w = ByteBuffer.wrap(data);
          while (w.hasRemaining()) conn.socket.write(w);
        } catch (IOException e) {
          send(packet(conn, OP_RST, 0, new byte[0]));
          conn.close();
          return;
        }
        boolean update;
        synchronized (conn) {
          conn.fwdCnt += data.length;
          update = conn.fwdCnt - conn.lastCreditSent >= BUF_ALLOC / 2;
        }
        if (update) send(packet(conn, OP_CREDIT_UPDATE, 0, new byte[0]));
      }
      case OP_CREDIT_REQUEST -> {
        if (conn != null) send(packet(conn, OP_CREDIT_UPDATE, 0, new byte[0]));
      }
      case OP_CREDIT_UPDATE -> { } // recorded above
      case OP_SHUTDOWN -> {
        if (conn == null) return;
        if ((flags & 3) == 3) {
          send(packet(conn, OP_RST, 0, new byte[0])); // both directions done: confirm the close
          conn.close();
        } else if ((flags & 2) != 0) {
          try {
            conn.socket.shutdownOutput(); // the guest sends no more
          } catch (IOException ignored) {
            // already closed
          }
        }
      }
      case OP_RST -> {
        if (conn != null) conn.close();
      }
      default -> send(reply(dstPort, srcPort, OP_RST));
    }
  }

  @Override
  public void reset() {
    ctx = null;
    for (Connection c : connections.values()) c.close();
    toGuest.clear();
  }

  @Override
  public void close() {
    reset();
    worker.close();
    try {
      listener.close();
      Files.deleteIfExists(uds);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
