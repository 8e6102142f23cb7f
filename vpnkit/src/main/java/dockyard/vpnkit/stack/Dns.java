package dockyard.vpnkit.stack;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DNS server on the gateway: host.DOMAIN and gateway.DOMAIN are answered here; other A queries
 * go to the host's resolver (the JDK's, so /etc/hosts and the host's name servers), each on its own
 * virtual thread so a slow name never holds up the stack. AAAA and other types get an empty answer;
 * an unknown name NXDOMAIN; a malformed query FORMERR.
 */
final class Dns {
  private final Stack stack;
  private final Udp udp;

  Dns(Stack stack, Udp udp) {
    this.stack = stack;
    this.udp = udp;
  }

  void receive(int src, int sport, int dst, byte[] q) {
    if (q.length < 12 || (q[2] & 0x80) != 0) return; // not a query
    int qd = Bytes.u16(q, 4);
    if (qd != 1) {
      udp.send(dst, 53, src, sport, error(q, q.length, 1));
      return;
    }
    StringBuilder name = new StringBuilder();
    int i = 12;
    while (true) {
      if (i >= q.length) {
        udp.send(dst, 53, src, sport, error(q, 12, 1));
        return;
      }
      int l = q[i] & 0xff;
      if (l == 0) break;
      if (l > 63 || i + 1 + l > q.length) {
        udp.send(dst, 53, src, sport, error(q, 12, 1));
        return;
      }
      if (!name.isEmpty()) name.append('.');
      name.append(new String(q, i + 1, l, StandardCharsets.US_ASCII));
      i += 1 + l;
    }
    if (i + 5 > q.length) {
      udp.send(dst, 53, src, sport, error(q, 12, 1));
      return;
    }
    int qtype = Bytes.u16(q, i + 1);
    int qend = i + 5;
    String n = name.toString().toLowerCase(Locale.ROOT);
    String domain = stack.options.domain().toLowerCase(Locale.ROOT);
    Thread.ofVirtual().name("dns " + n).start(() -> {
      List<Integer> addrs = new ArrayList<>();
      boolean exists = true;
      if (n.equals("host." + domain)) {
        addrs.add(stack.hostAlias);
      } else if (n.equals("gateway." + domain)) {
        addrs.add(stack.gateway);
      } else {
        try {
          for (InetAddress a : InetAddress.getAllByName(n)) if (a instanceof Inet4Address) addrs.add(Bytes.ip(a));
        } catch (UnknownHostException e) {
          exists = false;
        }
      }
      udp.send(dst, 53, src, sport, answer(q, qend, exists, qtype == 1 ? addrs : List.of()));
    });
  }

  private static byte[] answer(byte[] q, int qend, boolean exists, List<Integer> addrs) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] h = java.util.Arrays.copyOf(q, qend);
    h[2] = (byte) (0x80 | (q[2] & 0x79)); // QR, with the opcode and RD as asked
    h[3] = (byte) (0x80 | (exists ? 0 : 3)); // RA; NXDOMAIN when the name does not exist
    Bytes.put16(h, 6, addrs.size());
    Bytes.put16(h, 8, 0);
    Bytes.put16(h, 10, 0);
    o.writeBytes(h);
    for (int a : addrs) {
      o.writeBytes(new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
          (byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    }
    return o.toByteArray();
  }

  private static byte[] error(byte[] q, int len, int rcode) {
    byte[] h = java.util.Arrays.copyOf(q, Math.max(12, Math.min(len, q.length)));
    h[2] = (byte) (0x80 | (q[2] & 0x01));
    h[3] = (byte) (0x80 | rcode);
    Bytes.put16(h, 6, 0);
    Bytes.put16(h, 8, 0);
    Bytes.put16(h, 10, 0);
    if (len <= 12) Bytes.put16(h, 4, 0);
    return h;
  }
}
