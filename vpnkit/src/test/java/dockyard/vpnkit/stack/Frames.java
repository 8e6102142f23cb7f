package dockyard.vpnkit.stack;

/** Builders for the guest's side of the conversation in the robustness tests. */
final class Frames {
  static final byte[] GUEST_MAC = {0x02, 0, 0, 0, 0, 0x42};
  static final int GUEST = Bytes.ip("192.168.65.2"), GATEWAY = Bytes.ip("192.168.65.1"), HOST = Bytes.ip("192.168.65.254");

  private Frames() {}

  static byte[] ipv4(int src, int dst, int proto, byte[] payload, int id, int flagsFrag) {
    byte[] f = new byte[34 + payload.length];
    System.arraycopy(Stack.MAC, 0, f, 0, 6);
    System.arraycopy(GUEST_MAC, 0, f, 6, 6);
    Bytes.put16(f, 12, Stack.ETH_IP);
    f[14] = 0x45;
    Bytes.put16(f, 16, 20 + payload.length);
    Bytes.put16(f, 18, id);
    Bytes.put16(f, 20, flagsFrag);
    f[22] = 64;
    f[23] = (byte) proto;
    Bytes.put32(f, 26, src);
    Bytes.put32(f, 30, dst);
    Bytes.put16(f, 24, Bytes.checksum(f, 14, 20));
    System.arraycopy(payload, 0, f, 34, payload.length);
    return f;
  }

  static byte[] echo(int id, int seq, int size) {
    byte[] p = new byte[8 + size];
    p[0] = 8;
    Bytes.put16(p, 4, id);
    Bytes.put16(p, 6, seq);
    for (int i = 8; i < p.length; i++) p[i] = (byte) i;
    Bytes.put16(p, 2, Bytes.checksum(p, 0, p.length));
    return p;
  }

  static byte[] ping(int dst, int seq) {
    return ipv4(GUEST, dst, Stack.PROTO_ICMP, echo(7, seq, 56), seq, 0);
  }

  static byte[] tcp(int dst, int sport, int dport, int seq, int ack, int flags, int window, byte[] data) {
    return tcp(dst, sport, dport, seq, ack, flags, window, new byte[0], data);
  }

  /** With TCP options ({@code options.length} a multiple of 4). */
  static byte[] tcp(int dst, int sport, int dport, int seq, int ack, int flags, int window, byte[] options, byte[] data) {
    byte[] p = new byte[20 + options.length + data.length];
    System.arraycopy(options, 0, p, 20, options.length);
    Bytes.put16(p, 0, sport);
    Bytes.put16(p, 2, dport);
    Bytes.put32(p, 4, seq);
    Bytes.put32(p, 8, ack);
    p[12] = (byte) (((20 + options.length) / 4) << 4);
    p[13] = (byte) flags;
    Bytes.put16(p, 14, window);
    System.arraycopy(data, 0, p, 20 + options.length, data.length);
    Bytes.put16(p, 16, Bytes.transportChecksum(GUEST, dst, Stack.PROTO_TCP, p, 0, p.length));
    return ipv4(GUEST, dst, Stack.PROTO_TCP, p, 1, 0x4000);
  }

  static boolean isEchoReply(byte[] f, int seq) {
    return f != null && f.length >= 42 && Bytes.u16(f, 12) == Stack.ETH_IP && f[23] == Stack.PROTO_ICMP && f[34] == 0 && Bytes.u16(f, 40) == seq;
  }

  static boolean isTcp(byte[] f) {
    return f != null && f.length >= 54 && Bytes.u16(f, 12) == Stack.ETH_IP && f[23] == Stack.PROTO_TCP;
  }
}
