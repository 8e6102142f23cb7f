package dockyard.vpnkit.stack;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * ICMP echo to addresses beyond the gateway, sent from the host: through an unprivileged ICMP
 * socket where {@code net.ipv4.ping_group_range} allows it (the kernel then owns the identifier),
 * else through a raw socket when the process may open one (root, CAP_NET_RAW), else not at all
 * (the guest's ping then times out, as behind a firewall). Replies are matched back by destination
 * and sequence number and sent to the guest with its own identifier.
 */
final class IcmpForwarder implements AutoCloseable {
  static final long PENDING_NANOS = TimeUnit.SECONDS.toNanos(10);

  private record Pending(int guestId, int guestIp, long sent) {}

  private final Stack stack;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txErrno = Syscalls.errnoState(arena);
  private int fd = -1;
  private boolean raw;
  private boolean unavailable;
  private volatile boolean closed;

  IcmpForwarder(Stack stack) {
    this.stack = stack;
  }

  private static long key(int dst, int seq) {
    return ((long) dst << 16) | (seq & 0xffff);
  }

  private synchronized boolean open() {
    if (fd >= 0) return true;
    if (unavailable) return false;
    try {
      fd = Syscalls.socket(Syscalls.AF_INET, Syscalls.SOCK_DGRAM | Syscalls.SOCK_CLOEXEC, Syscalls.IPPROTO_ICMP);
      raw = false;
    } catch (LinuxException unprivilegedRefused) {
      try {
        fd = Syscalls.socket(Syscalls.AF_INET, Syscalls.SOCK_RAW | Syscalls.SOCK_CLOEXEC, Syscalls.IPPROTO_ICMP);
        raw = true;
      } catch (LinuxException noRaw) {
        unavailable = true;
        stack.log.accept("ICMP to other hosts is off: no unprivileged ICMP sockets (net.ipv4.ping_group_range) and no raw socket ("
            + noRaw.getMessage() + ")");
        return false;
      }
    }
    int theFd = fd;
    Thread.ofPlatform().daemon(true).name("icmp-forwarder").start(() -> replies(theFd));
    return true;
  }

  /** An echo request from the guest to {@code dst}: ICMP message {@code m} (type 8). */
  void echo(int guestIp, int dst, byte[] m) {
    if (!open()) return;
    int id = Bytes.u16(m, 4), seq = Bytes.u16(m, 6);
    long now = System.nanoTime();
    pending.values().removeIf(p -> now - p.sent() > PENDING_NANOS);
    if (pending.size() > 1024) return;
    pending.put(key(dst, seq), new Pending(id, guestIp, now));
    byte[] out = m.clone();
    Bytes.put16(out, 2, 0);
    Bytes.put16(out, 2, Bytes.checksum(out, 0, out.length)); // a datagram socket recomputes it with its own id anyway
    synchronized (this) {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment buf = a.allocate(out.length);
        MemorySegment.copy(out, 0, buf, ValueLayout.JAVA_BYTE, 0, out.length);
        Syscalls.sendto(txErrno, fd, buf, Syscalls.inetAddress(a, dst, 0), Syscalls.SOCKADDR_IN);
      }
    }
  }

  private void replies(int sock) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(65536);
      MemorySegment from = a.allocate(Syscalls.SOCKADDR_IN, 4);
      MemorySegment fromLen = a.allocate(ValueLayout.JAVA_INT);
      MemorySegment err = Syscalls.errnoState(a);
      while (!closed) {
        fromLen.set(ValueLayout.JAVA_INT, 0, Syscalls.SOCKADDR_IN);
        long n = Syscalls.recvfrom(err, sock, buf, from, fromLen);
        if (n == -Syscalls.EINTR) continue;
        if (n < 0) return;
        byte[] p = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        int at = raw ? (p[0] & 0x0f) * 4 : 0; // a raw socket hands us the IP header too
        if (n - at < 8 || p[at] != 0) continue; // only echo replies
        int src = 0;
        for (int i = 0; i < 4; i++) src = (src << 8) | (from.get(ValueLayout.JAVA_BYTE, 4 + i) & 0xff);
        Pending req = pending.remove(key(src, Bytes.u16(p, at + 6)));
        if (req == null) continue; // someone else's ping (a raw socket sees them all)
        byte[] reply = java.util.Arrays.copyOfRange(p, at, (int) n);
        Bytes.put16(reply, 4, req.guestId());
        Bytes.put16(reply, 2, 0);
        Bytes.put16(reply, 2, Bytes.checksum(reply, 0, reply.length));
        stack.sendIp(src, req.guestIp(), Stack.PROTO_ICMP, reply, 0, reply.length);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (fd >= 0) Syscalls.close(fd);
    fd = -1;
  }
}
