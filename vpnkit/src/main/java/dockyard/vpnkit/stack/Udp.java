package dockyard.vpnkit.stack;

import dockyard.vpnkit.VpnKit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * UDP: DHCP (port 67) and DNS (port 53 on the gateway) are answered here; everything else is NAT'd:
 * each guest flow (source port, destination) gets a host datagram socket, replies come back as if
 * from the destination, and flows idle for a minute are closed.
 */
final class Udp implements AutoCloseable {
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
  static final int MAX_FLOWS = 1024;

  private final Stack stack;
  private final Dhcp dhcp;
  private final Dns dns;
  private final Map<String, Flow> flows = new ConcurrentHashMap<>();

  private final class Flow {
    final int guestPort, dst, dstPort;
    final DatagramChannel channel;
    volatile long lastUsed = System.nanoTime();
    volatile long in, out;

    Flow(int guestPort, int dst, int dstPort, DatagramChannel channel) {
      this.guestPort = guestPort;
      this.dst = dst;
      this.dstPort = dstPort;
      this.channel = channel;
    }

    void pump() {
      Thread.ofVirtual().name("udp " + guestPort + "->" + Bytes.ipString(dst) + ":" + dstPort).start(() -> {
        ByteBuffer b = ByteBuffer.allocate(65535);
        try {
          while (channel.isOpen()) {
            b.clear();
            channel.receive(b);
            b.flip();
            lastUsed = System.nanoTime();
            in += b.remaining();
            byte[] data = new byte[Math.min(b.remaining(), stack.mtu - 28)]; // no fragmentation: cut to the MTU
            b.get(data);
            send(dst, dstPort, stack.guest, guestPort, data);
          }
        } catch (IOException e) {
          // closed
        }
      });
    }
  }

  Udp(Stack stack) {
    this.stack = stack;
    this.dhcp = new Dhcp(stack, this);
    this.dns = new Dns(stack, this);
  }

  void receive(int src, int dst, byte[] p, int len) {
    if (len < 8) return;
    int sport = Bytes.u16(p, 0), dport = Bytes.u16(p, 2), ulen = Bytes.u16(p, 4);
    if (ulen < 8 || ulen > len) {
      stack.dropped++;
      return;
    }
    if (Bytes.u16(p, 6) != 0 && Bytes.transportChecksum(src, dst, Stack.PROTO_UDP, p, 0, ulen) != 0) {
      stack.dropped++; // bad checksum (0 means "none" for UDP over IPv4)
      return;
    }
    byte[] data = java.util.Arrays.copyOfRange(p, 8, ulen);
    if (dport == 67) {
      dhcp.receive(data);
    } else if (dport == 53 && stack.isOurs(dst)) {
      dns.receive(src, sport, dst, data);
    } else if (dst != 0xffffffff && (dst & 0xf0000000) != 0xe0000000) {
      nat(sport, dst, dport, data);
    }
  }

  private void nat(int sport, int dst, int dport, byte[] data) {
    String key = sport + ">" + dst + ":" + dport;
    Flow f = flows.get(key);
    if (f == null) {
      if (flows.size() >= MAX_FLOWS) return; // the table is full: dropped, as a NAT does
      try {
        DatagramChannel ch = DatagramChannel.open();
        ch.connect(new InetSocketAddress(stack.hostTarget(dst), dport));
        f = new Flow(sport, dst, dport, ch);
        flows.put(key, f);
        f.pump();
      } catch (IOException e) {
        return;
      }
    }
    try {
      f.lastUsed = System.nanoTime();
      f.out += data.length;
      f.channel.write(ByteBuffer.wrap(data));
    } catch (IOException e) {
      // ICMP-unreachable from the host side: the guest sees a lost datagram
    }
  }

  /** Sends a UDP datagram to the guest (or broadcast when dst is 255.255.255.255). */
  void send(int src, int sport, int dst, int dport, byte[] data) {
    byte[] p = new byte[8 + data.length];
    Bytes.put16(p, 0, sport);
    Bytes.put16(p, 2, dport);
    Bytes.put16(p, 4, p.length);
    System.arraycopy(data, 0, p, 8, data.length);
    int sum = Bytes.transportChecksum(src, dst, Stack.PROTO_UDP, p, 0, p.length);
    Bytes.put16(p, 6, sum == 0 ? 0xffff : sum);
    if (dst == 0xffffffff) stack.sendIpBroadcast(src, Stack.PROTO_UDP, p, p.length);
    else stack.sendIp(src, dst, Stack.PROTO_UDP, p, 0, p.length);
  }

  void tick() {
    long now = System.nanoTime();
    flows.entrySet().removeIf(e -> {
      if (now - e.getValue().lastUsed < IDLE_NANOS) return false;
      try {
        e.getValue().channel.close();
      } catch (IOException ignored) {
        // closing
      }
      return true;
    });
  }

  List<VpnKit.Flow> flows() {
    List<VpnKit.Flow> out = new ArrayList<>();
    for (Flow f : flows.values()) {
      out.add(new VpnKit.Flow("udp", Bytes.ipString(stack.guest) + ":" + f.guestPort, Bytes.ipString(f.dst) + ":" + f.dstPort, "open", f.in, f.out));
    }
    return out;
  }

  @Override
  public void close() {
    for (Flow f : flows.values()) {
      try {
        f.channel.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    flows.clear();
  }
}
