package dockyard.vpnkit.stack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Big-endian field access and the Internet checksum, for building and reading packets in byte arrays. */
final class Bytes {
  private Bytes() {}

  static int u8(byte[] b, int at) {
    return b[at] & 0xff;
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  static long u32(byte[] b, int at) {
    return ((long) u16(b, at) << 16) | u16(b, at + 2);
  }

  static int i32(byte[] b, int at) {
    return (int) u32(b, at);
  }

  static void put16(byte[] b, int at, int v) {
    b[at] = (byte) (v >> 8);
    b[at + 1] = (byte) v;
  }

  static void put32(byte[] b, int at, long v) {
    put16(b, at, (int) (v >>> 16));
    put16(b, at + 2, (int) v);
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

  /**
   * The ones' complement sum of {@code len} bytes (not yet folded or inverted), starting from
   * {@code sum}. Eight bytes at a time: the two 32-bit halves of each big-endian long are added
   * (a 64-bit accumulator cannot overflow for any packet), which folds to the same 16-bit sum.
   */
  static long sum(byte[] b, int at, int len, long sum) {
    int i = at, end = at + len;
    long acc = 0;
    for (; i + 7 < end; i += 8) {
      long v = (long) LONGS.get(b, i);
      acc += (v >>> 32) + (v & 0xffffffffL);
    }
    // 32-bit words sum to the same 16-bit total as their halves: fold the accumulator to 16 bits
    while ((acc >>> 16) != 0) acc = (acc & 0xffff) + (acc >>> 16);
    sum += acc;
    for (; i + 1 < end; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    if (i < end) sum += (b[i] & 0xff) << 8;
    return sum;
  }

  static int fold(long sum) {
    while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
    return (int) (~sum & 0xffff);
  }

  static int checksum(byte[] b, int at, int len) {
    return fold(sum(b, at, len, 0));
  }

  /** TCP/UDP checksum over the IPv4 pseudo-header and the segment at {@code at}. */
  static int transportChecksum(int src, int dst, int proto, byte[] b, int at, int len) {
    long s = ((src >>> 16) & 0xffff) + (src & 0xffff) + ((dst >>> 16) & 0xffff) + (dst & 0xffff) + proto + len;
    return fold(sum(b, at, len, s));
  }

  static int ip(String dotted) {
    try {
      byte[] a = InetAddress.getByName(dotted).getAddress();
      return ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted);
    }
  }

  static String ipString(int ip) {
    return ((ip >>> 24) & 0xff) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
  }

  static InetAddress inet(int ip) {
    try {
      return Inet4Address.getByAddress(new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  static int ip(InetAddress a) {
    byte[] b = a.getAddress();
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }
}
