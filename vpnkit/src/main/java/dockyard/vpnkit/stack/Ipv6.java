package dockyard.vpnkit.stack;

/**
 * IPv6 basics: the stack answers as a router on the link with Router Advertisements for a ULA
 * prefix (fd65::/64, so the guest configures an address by SLAAC), Neighbor Advertisements for its
 * addresses (fe80::1 and fd65::1) and ICMPv6 echo to them. IPv6 traffic to anywhere else is not
 * forwarded yet.
 */
final class Ipv6 {
  static final int ETH_IPV6 = 0x86dd, ICMPV6 = 58;
  static final int RS = 133, RA = 134, NS = 135, NA = 136, ECHO = 128, ECHO_REPLY = 129;
  static final byte[] LINK_LOCAL = addr(0xfe80, 1), GLOBAL = addr(0xfd65, 1), PREFIX = addr(0xfd65, 0);
  static final byte[] ALL_NODES = addr(0xff02, 1);

  private final Stack stack;

  Ipv6(Stack stack) {
    this.stack = stack;
  }

  private static byte[] addr(int first, int last) {
    byte[] a = new byte[16];
    a[0] = (byte) (first >> 8);
    a[1] = (byte) first;
    a[15] = (byte) last;
    return a;
  }

  static boolean ours(byte[] f, int at) {
    return java.util.Arrays.equals(f, at, at + 16, LINK_LOCAL, 0, 16) || java.util.Arrays.equals(f, at, at + 16, GLOBAL, 0, 16);
  }

  void receive(byte[] f) {
    if (f.length < 54 || (f[14] >> 4 & 0xf) != 6) return;
    int plen = Bytes.u16(f, 18);
    if (54 + plen > f.length || f[20] != ICMPV6 || plen < 8) return; // only ICMPv6, without extension headers
    int icmp = 54;
    if (checksum(f, 22, 38, f, icmp, plen) != 0) {
      stack.dropped++;
      return;
    }
    int type = f[icmp] & 0xff;
    byte[] src = java.util.Arrays.copyOfRange(f, 22, 38);
    byte[] guestMac = java.util.Arrays.copyOfRange(f, 6, 12);
    switch (type) {
      case RS -> routerAdvertisement(guestMac, src);
      case NS -> {
        if (plen < 24 || !ours(f, icmp + 8)) return;
        byte[] target = java.util.Arrays.copyOfRange(f, icmp + 8, icmp + 24);
        byte[] m = new byte[32];
        m[0] = (byte) NA;
        m[4] = (byte) 0xe0; // router, solicited, override
        System.arraycopy(target, 0, m, 8, 16);
        m[24] = 2; m[25] = 1; // target link-layer address option
        System.arraycopy(Stack.MAC, 0, m, 26, 6);
        send(guestMac, target, isUnspecified(src) ? ALL_NODES : src, m);
      }
      case ECHO -> {
        if (!ours(f, 38)) return;
        byte[] m = java.util.Arrays.copyOfRange(f, icmp, icmp + plen);
        m[0] = (byte) ECHO_REPLY;
        send(guestMac, java.util.Arrays.copyOfRange(f, 38, 54), src, m);
      }
      default -> { }
    }
  }

  private void routerAdvertisement(byte[] guestMac, byte[] to) {
    byte[] m = new byte[16 + 8 + 32 + 8];
    m[0] = (byte) RA;
    m[4] = 64; // hop limit
    Bytes.put16(m, 6, 1800); // router lifetime
    int o = 16;
    m[o] = 1; m[o + 1] = 1; // source link-layer address
    System.arraycopy(Stack.MAC, 0, m, o + 2, 6);
    o += 8;
    m[o] = 3; m[o + 1] = 4; m[o + 2] = 64; m[o + 3] = (byte) 0xc0; // prefix information: /64, on-link, autonomous
    Bytes.put32(m, o + 4, 86400);
    Bytes.put32(m, o + 8, 14400);
    System.arraycopy(PREFIX, 0, m, o + 16, 16);
    o += 32;
    m[o] = 5; m[o + 1] = 1; // MTU
    Bytes.put32(m, o + 4, stack.mtu);
    send(guestMac, LINK_LOCAL, isUnspecified(to) ? ALL_NODES : to, m);
  }

  private static boolean isUnspecified(byte[] a) {
    for (byte b : a) if (b != 0) return false;
    return true;
  }

  private void send(byte[] mac, byte[] src, byte[] dst, byte[] icmp) {
    byte[] f = new byte[54 + icmp.length];
    System.arraycopy(mac, 0, f, 0, 6);
    System.arraycopy(Stack.MAC, 0, f, 6, 6);
    Bytes.put16(f, 12, ETH_IPV6);
    f[14] = 0x60;
    Bytes.put16(f, 18, icmp.length);
    f[20] = ICMPV6;
    f[21] = (byte) 255; // NDP requires hop limit 255
    System.arraycopy(src, 0, f, 22, 16);
    System.arraycopy(dst, 0, f, 38, 16);
    System.arraycopy(icmp, 0, f, 54, icmp.length);
    Bytes.put16(f, 56, 0);
    Bytes.put16(f, 56, checksum(f, 22, 38, f, 54, icmp.length));
    stack.emit(f);
  }

  /** ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 8.1). */
  static int checksum(byte[] f, int srcAt, int dstAt, byte[] p, int at, int len) {
    long s = Bytes.sum(f, srcAt, 16, 0);
    s = Bytes.sum(f, dstAt, 16, s);
    s += (len >>> 16) + (len & 0xffff) + ICMPV6;
    return Bytes.fold(Bytes.sum(p, at, len, s));
  }
}
