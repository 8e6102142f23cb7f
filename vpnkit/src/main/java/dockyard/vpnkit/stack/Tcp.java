package dockyard.vpnkit.stack;

import dockyard.vpnkit.VpnKit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TCP demultiplexing: segments to connections by (guest, remote) address pair; a guest SYN to any
 * address opens a host socket to it (the host alias means the host's loopback) and the connection
 * answers only once that connect succeeded (or RSTs when it was refused), as VPNKit does. Also the
 * active opens for forwarded ports, and the 100 ms timer.
 */
final class Tcp implements AutoCloseable {
  static final int MAX_CONNECTIONS = 4096;

  final Stack stack;
  private final Map<String, TcpConnection> connections = new ConcurrentHashMap<>();
  private final Set<String> connecting = ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();
  private int nextForwardPort = 40000;

  Tcp(Stack stack) {
    this.stack = stack;
  }

  static String key(int guestIp, int guestPort, int remoteIp, int remotePort) {
    return Bytes.ipString(guestIp) + ":" + guestPort + "-" + Bytes.ipString(remoteIp) + ":" + remotePort;
  }

  /** The TCP segment at {@code p[at..at+len)} (inside the received frame). */
  void receive(int src, int dst, byte[] p, int at, int len) {
    if (len < 20) {
      stack.dropped++;
      return;
    }
    int off = ((p[at + 12] >> 4) & 0x0f) * 4;
    if (off < 20 || off > len) {
      stack.dropped++;
      return;
    }
    if (Bytes.transportChecksum(src, dst, Stack.PROTO_TCP, p, at, len) != 0) {
      stack.dropped++; // bad checksum
      return;
    }
    int sport = Bytes.u16(p, at), dport = Bytes.u16(p, at + 2);
    int seq = Bytes.i32(p, at + 4), ack = Bytes.i32(p, at + 8);
    int flags = p[at + 13] & 0x3f, window = Bytes.u16(p, at + 14);
    int mss = -1, wscale = -1;
    boolean sack = false;
    for (int i = 20; i < off; ) {
      int kind = p[at + i] & 0xff;
      if (kind == 0) break;
      if (kind == 1) {
        i++;
        continue;
      }
      if (i + 1 >= off) break;
      int l = p[at + i + 1] & 0xff;
      if (l < 2 || i + l > off) break;
      if (kind == 2 && l == 4) mss = Bytes.u16(p, at + i + 2);
      if (kind == 3 && l == 3) wscale = p[at + i + 2] & 0xff;
      if (kind == 4 && l == 2) sack = true;
      i += l;
    }
    String key = key(src, sport, dst, dport);
    TcpConnection c = connections.get(key);
    if (c != null) {
      c.receive(seq, ack, flags, window, p, at + off, len - off, mss, wscale, sack);
      return;
    }
    if ((flags & TcpConnection.RST) != 0) return;
    if ((flags & (TcpConnection.SYN | TcpConnection.ACK)) != TcpConnection.SYN) {
      // a segment for no connection: RST (RFC 9293 3.10.7.1)
      reset(src, sport, dst, dport, (flags & TcpConnection.ACK) != 0 ? ack : 0, seq + (len - off) + ((flags & TcpConnection.FIN) != 0 ? 1 : 0),
          (flags & TcpConnection.ACK) == 0);
      return;
    }
    if (src != stack.guest || connections.size() + connecting.size() >= MAX_CONNECTIONS || !connecting.add(key)) return;
    int fmss = mss, fws = wscale;
    boolean fsack = sack;
    Thread.ofVirtual().name("tcp-connect " + key).start(() -> {
      try {
        SocketChannel s = SocketChannel.open();
        try {
          s.socket().connect(new InetSocketAddress(stack.hostTarget(dst), dport), 10_000);
        } catch (IOException e) {
          s.close();
          reset(src, sport, dst, dport, 0, seq + 1, true); // refused or unreachable: the guest sees RST
          return;
        }
        s.socket().setTcpNoDelay(true);
        TcpConnection conn = new TcpConnection(this, src, sport, dst, dport, random.nextInt());
        conn.socket = s;
        synchronized (conn) {
          conn.passiveOpen(seq, window, fmss, fws, fsack);
          connections.put(key, conn);
          conn.sendSynAck();
        }
      } catch (IOException e) {
        reset(src, sport, dst, dport, 0, seq + 1, true);
      } finally {
        connecting.remove(key);
      }
    });
  }

  private void reset(int guestIp, int guestPort, int remoteIp, int remotePort, int seq, int ackNo, boolean withAck) {
    byte[] p = new byte[20];
    Bytes.put16(p, 0, remotePort);
    Bytes.put16(p, 2, guestPort);
    Bytes.put32(p, 4, seq);
    Bytes.put32(p, 8, withAck ? ackNo : 0);
    p[12] = 0x50;
    p[13] = (byte) (TcpConnection.RST | (withAck ? TcpConnection.ACK : 0));
    Bytes.put16(p, 16, Bytes.transportChecksum(remoteIp, guestIp, Stack.PROTO_TCP, p, 0, 20));
    stack.sendIp(remoteIp, guestIp, Stack.PROTO_TCP, p, 0, 20);
  }

  /** The connection reached ESTABLISHED: start moving bytes. */
  void started(TcpConnection c) {
    c.splice();
  }

  void remove(TcpConnection c) {
    connections.remove(c.key(), c);
  }

  /** Opens a connection into the guest's {@code guestPort} for an accepted host socket (port forwarding). */
  void connectToGuest(SocketChannel host, int guestPort) {
    int localPort;
    synchronized (this) {
      localPort = nextForwardPort++;
      if (nextForwardPort > 60000) nextForwardPort = 40000;
    }
    TcpConnection c = new TcpConnection(this, stack.guest, guestPort, stack.gateway, localPort, random.nextInt());
    c.socket = host;
    synchronized (c) {
      c.state = TcpConnection.State.SYN_SENT;
      c.sndNxt = c.iss + 1;
      connections.put(c.key(), c);
      c.sendSyn();
    }
  }

  void tick() {
    long now = System.nanoTime();
    for (TcpConnection c : connections.values()) c.tick(now);
  }

  List<VpnKit.Flow> flows() {
    List<VpnKit.Flow> out = new ArrayList<>();
    for (TcpConnection c : connections.values()) {
      out.add(new VpnKit.Flow("tcp", Bytes.ipString(c.guestIp) + ":" + c.guestPort, Bytes.ipString(c.remoteIp) + ":" + c.remotePort,
          c.state.name(), c.bytesIn, c.bytesOut));
    }
    return out;
  }

  @Override
  public void close() {
    for (TcpConnection c : connections.values()) c.close(false);
  }
}
