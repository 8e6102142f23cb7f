package dockyard.vpnkit.stack;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A DHCP server (RFC 2131) for the one guest: DISCOVER gets an OFFER and REQUEST an ACK of the
 * configured guest address, with the subnet mask, the gateway as router and DNS server, the domain,
 * the MTU and a lease of two hours. A REQUEST for another address is NAK'd.
 */
final class Dhcp {
  static final int DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8;
  static final int LEASE_SECONDS = 7200;

  private final Stack stack;
  private final Udp udp;

  Dhcp(Stack stack, Udp udp) {
    this.stack = stack;
    this.udp = udp;
  }

  void receive(byte[] m) {
    if (m.length < 240 || m[0] != 1 || Bytes.i32(m, 236) != 0x63825363) return; // BOOTREQUEST with the magic cookie
    int type = 0, requested = 0;
    for (int i = 240; i < m.length; ) {
      int opt = m[i] & 0xff;
      if (opt == 255) break;
      if (opt == 0) {
        i++;
        continue;
      }
      if (i + 1 >= m.length) return;
      int len = m[i + 1] & 0xff;
      if (i + 2 + len > m.length) return;
      if (opt == 53 && len == 1) type = m[i + 2] & 0xff;
      if (opt == 50 && len == 4) requested = Bytes.i32(m, i + 2);
      i += 2 + len;
    }
    int reply;
    switch (type) {
      case DISCOVER -> reply = OFFER;
      case REQUEST -> {
        int ciaddr = Bytes.i32(m, 12);
        int wanted = requested != 0 ? requested : ciaddr;
        reply = wanted == 0 || wanted == stack.guest ? ACK : NAK;
      }
      case INFORM -> reply = ACK;
      default -> {
        return; // RELEASE, DECLINE: nothing to do for a single fixed lease
      }
    }
    byte[] r = new byte[240];
    r[0] = 2; // BOOTREPLY
    r[1] = 1;
    r[2] = 6;
    System.arraycopy(m, 4, r, 4, 4); // xid
    System.arraycopy(m, 10, r, 10, 2); // flags
    if (reply != NAK && type != INFORM) Bytes.put32(r, 16, stack.guest); // yiaddr
    Bytes.put32(r, 20, stack.gateway); // siaddr
    System.arraycopy(m, 28, r, 28, 16); // chaddr
    Bytes.put32(r, 236, 0x63825363);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(r);
    option(o, 53, new byte[] {(byte) reply});
    option(o, 54, ip(stack.gateway));
    if (reply != NAK) {
      option(o, 1, ip(stack.netmask));
      option(o, 3, ip(stack.gateway));
      option(o, 6, ip(stack.gateway));
      option(o, 15, stack.options.domain().getBytes(StandardCharsets.US_ASCII));
      option(o, 26, new byte[] {(byte) (stack.mtu >> 8), (byte) stack.mtu});
      if (type != INFORM) {
        option(o, 51, int32(LEASE_SECONDS));
        option(o, 58, int32(LEASE_SECONDS / 2));
        option(o, 59, int32(LEASE_SECONDS * 7 / 8));
      }
    }
    o.write(255);
    while (o.size() < 300) o.write(0);
    udp.send(stack.gateway, 67, 0xffffffff, 68, o.toByteArray());
  }

  private static void option(ByteArrayOutputStream o, int code, byte[] value) {
    o.write(code);
    o.write(value.length);
    o.writeBytes(value);
  }

  private static byte[] ip(int a) {
    return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
  }

  private static byte[] int32(int v) {
    return ip(v);
  }
}
