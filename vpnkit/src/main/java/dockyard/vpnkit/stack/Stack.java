package dockyard.vpnkit.stack;

import dockyard.vpnkit.VpnKit;
import dockyard.vpnkit.link.FrameLink;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The stack's bottom: Ethernet in and out, ARP for the addresses the stack owns, IPv4 (checked,
 * fragments reassembled), ICMP echo for those addresses, and dispatch to UDP ({@link Udp}: DHCP,
 * DNS, NAT) and TCP ({@link Tcp}). Frames arrive on the link's thread; everything that sends goes
 * through {@link #sendIp}, which frames for the guest's MAC.
 */
public final class Stack implements AutoCloseable {
  static final int ETH_IP = 0x0800, ETH_ARP = 0x0806;
  static final int PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17;
  static final byte[] MAC = {0x02, 0x50, 0x00, 0x00, 0x00, 0x01};

  final FrameLink link;
  final VpnKit.Options options;
  final Consumer<String> log;
  final int gateway, guest, hostAlias, netmask, network, mtu;
  final Udp udp;
  final Tcp tcp;
  final Forwards forwards;
  final Ipv6 ipv6;
  final IcmpForwarder icmpForwarder;
  final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).name("vpnkit-timers").factory());
  private final Pcap pcap;
  private volatile byte[] guestMac;
  private final Map<Long, Reassembly> fragments = new HashMap<>();
  private int ipId;
  volatile long framesIn, framesOut, dropped;

  private Stack(FrameLink link, VpnKit.Options o) throws IOException {
    this.link = link;
    this.options = o;
    this.log = o.log();
    String[] sn = o.subnet().split("/");
    int prefix = Integer.parseInt(sn[1]);
    this.netmask = prefix == 0 ? 0 : -1 << (32 - prefix);
    this.network = Bytes.ip(sn[0]) & netmask;
    this.gateway = Bytes.ip(o.gateway());
    this.guest = Bytes.ip(o.guest());
    this.hostAlias = Bytes.ip(o.hostAlias());
    this.mtu = o.mtu();
    for (int a : new int[] {gateway, guest, hostAlias}) {
      if ((a & netmask) != network) throw new IllegalArgumentException(Bytes.ipString(a) + " is not in " + o.subnet());
    }
    this.pcap = o.pcap() != null ? new Pcap(o.pcap()) : null;
    this.udp = new Udp(this);
    this.tcp = new Tcp(this);
    this.forwards = new Forwards(this);
    this.ipv6 = new Ipv6(this);
    this.icmpForwarder = new IcmpForwarder(this);
  }

  public static Stack start(FrameLink link, VpnKit.Options o) throws IOException {
    Stack s = new Stack(link, o);
    s.timers.scheduleAtFixedRate(s::tick, 100, 100, TimeUnit.MILLISECONDS);
    link.start(s::receive);
    return s;
  }

  /** Whether {@code ip} is one the stack answers for (the gateway or the host alias). */
  boolean isOurs(int ip) {
    return ip == gateway || ip == hostAlias;
  }

  /** Where a guest connection to {@code ip} really goes: the host alias is the host's loopback. */
  InetAddress hostTarget(int ip) {
    return ip == hostAlias ? InetAddress.getLoopbackAddress() : Bytes.inet(ip);
  }

  private void tick() {
    try {
      tcp.tick();
      udp.tick();
      synchronized (fragments) {
        long now = System.nanoTime();
        fragments.values().removeIf(r -> now - r.started > TimeUnit.SECONDS.toNanos(30));
      }
    } catch (RuntimeException e) {
      log.accept("timer: " + e);
    }
  }

  // ------------------------------------------------------------------ receive

  void receive(byte[] f) {
    framesIn++;
    if (pcap != null) pcap.write(f, f.length);
    try {
      if (f.length < 14) {
        dropped++;
        return;
      }
      int type = Bytes.u16(f, 12);
      if (type == ETH_ARP) arp(f);
      else if (type == ETH_IP) ipv4(f);
      else if (type == Ipv6.ETH_IPV6) ipv6.receive(f);
    } catch (RuntimeException e) {
      dropped++; // a malformed frame the parsers did not foresee: dropped, the stack goes on
      log.accept("dropped a malformed frame: " + e);
    }
  }

  private void arp(byte[] f) {
    if (f.length < 42 || Bytes.u16(f, 14) != 1 || Bytes.u16(f, 16) != ETH_IP || f[18] != 6 || f[19] != 4) return;
    int op = Bytes.u16(f, 20);
    byte[] senderMac = java.util.Arrays.copyOfRange(f, 22, 28);
    int senderIp = Bytes.i32(f, 28), target = Bytes.i32(f, 38);
    guestMac = senderMac;
    // answer for every address in the subnet except the guest's own: the gateway, the host alias,
    // and anything else the guest thinks is local (VPNKit answers them all, to route them)
    if (op != 1 || (target & netmask) != network || target == senderIp || target == guest) return;
    byte[] r = new byte[42];
    System.arraycopy(senderMac, 0, r, 0, 6);
    System.arraycopy(MAC, 0, r, 6, 6);
    Bytes.put16(r, 12, ETH_ARP);
    Bytes.put16(r, 14, 1);
    Bytes.put16(r, 16, ETH_IP);
    r[18] = 6;
    r[19] = 4;
    Bytes.put16(r, 20, 2);
    System.arraycopy(MAC, 0, r, 22, 6);
    Bytes.put32(r, 28, target);
    System.arraycopy(senderMac, 0, r, 32, 6);
    Bytes.put32(r, 38, senderIp);
    send(r, r.length);
  }

  private static final class Reassembly {
    final long started = System.nanoTime();
    final byte[] data = new byte[65535];
    final java.util.BitSet have = new java.util.BitSet(65535);
    int total = -1;
    byte[] header;
  }

  private void ipv4(byte[] f) {
    if (f.length < 34 || (f[14] >> 4) != 4) return;
    int ihl = (f[14] & 0x0f) * 4;
    int total = Bytes.u16(f, 16);
    if (ihl < 20 || total < ihl || 14 + total > f.length) {
      dropped++;
      return;
    }
    if (Bytes.checksum(f, 14, ihl) != 0) {
      dropped++; // bad header checksum
      return;
    }
    guestMacFrom(f);
    int src = Bytes.i32(f, 26), dst = Bytes.i32(f, 30), proto = f[23] & 0xff;
    int flagsFrag = Bytes.u16(f, 20);
    boolean more = (flagsFrag & 0x2000) != 0;
    int offset = (flagsFrag & 0x1fff) * 8;
    byte[] payload = f;
    int payloadOff = 14 + ihl, payloadLen = total - ihl; // in place: no copy for the common, unfragmented case
    if (more || offset != 0) {
      payload = reassemble(f, ihl, total, src, proto, more, offset);
      if (payload == null) return;
      payloadOff = 0;
      payloadLen = payload.length;
    }
    switch (proto) {
      case PROTO_ICMP -> icmp(src, dst, java.util.Arrays.copyOfRange(payload, payloadOff, payloadOff + payloadLen), payloadLen);
      case PROTO_UDP -> udp.receive(src, dst, java.util.Arrays.copyOfRange(payload, payloadOff, payloadOff + payloadLen), payloadLen);
      case PROTO_TCP -> tcp.receive(src, dst, payload, payloadOff, payloadLen);
      default -> { }
    }
  }

  private byte[] reassemble(byte[] f, int ihl, int total, int src, int proto, boolean more, int offset) {
    long key = ((long) src << 32) | ((long) Bytes.u16(f, 18) << 8) | proto;
    int len = total - ihl;
    if (offset + len > 65535 || (more && len % 8 != 0)) {
      dropped++;
      return null;
    }
    synchronized (fragments) {
      Reassembly r = fragments.computeIfAbsent(key, k -> new Reassembly());
      // overlapping fragments are refused (RFC 5722's rule for IPv6, applied here too): the datagram is dropped
      if (r.have.get(offset, offset + len).cardinality() > 0) {
        fragments.remove(key);
        dropped++;
        return null;
      }
      System.arraycopy(f, 14 + ihl, r.data, offset, len);
      r.have.set(offset, offset + len);
      if (!more) r.total = offset + len;
      if (r.total >= 0 && r.have.nextClearBit(0) >= r.total) {
        fragments.remove(key);
        return java.util.Arrays.copyOf(r.data, r.total);
      }
      if (fragments.size() > 64) fragments.clear(); // a fragment flood costs at most this much memory
      return null;
    }
  }

  private void guestMacFrom(byte[] f) {
    if (guestMac == null) guestMac = java.util.Arrays.copyOfRange(f, 6, 12);
  }

  private void icmp(int src, int dst, byte[] p, int len) {
    if (len < 8 || Bytes.checksum(p, 0, len) != 0) {
      dropped++;
      return;
    }
    if (p[0] == 8 && !isOurs(dst) && (dst & netmask) != network && src == guest) {
      icmpForwarder.echo(src, dst, java.util.Arrays.copyOf(p, len)); // beyond the gateway: from the host
      return;
    }
    if (p[0] == 8 && isOurs(dst)) { // echo request to the gateway or the host alias
      byte[] r = java.util.Arrays.copyOf(p, len);
      r[0] = 0;
      Bytes.put16(r, 2, 0);
      Bytes.put16(r, 2, Bytes.checksum(r, 0, len));
      sendIp(dst, src, PROTO_ICMP, r, 0, len);
    }
  }

  // ------------------------------------------------------------------ send

  /**
   * A frame for an IPv4 packet to the guest with {@code len} payload bytes at offset 34, the Ethernet
   * and IP headers filled in: the caller writes the payload in place and calls {@link #emit} (no copy).
   */
  byte[] frame(int src, int dst, int proto, int len) {
    byte[] mac = guestMac;
    if (mac == null) mac = new byte[] {-1, -1, -1, -1, -1, -1};
    int total = 20 + len;
    byte[] f = new byte[14 + total];
    System.arraycopy(mac, 0, f, 0, 6);
    System.arraycopy(MAC, 0, f, 6, 6);
    Bytes.put16(f, 12, ETH_IP);
    f[14] = 0x45;
    Bytes.put16(f, 16, total);
    synchronized (this) {
      Bytes.put16(f, 18, ipId++);
    }
    Bytes.put16(f, 20, 0x4000); // don't fragment
    f[22] = 64;
    f[23] = (byte) proto;
    Bytes.put32(f, 26, src);
    Bytes.put32(f, 30, dst);
    Bytes.put16(f, 24, Bytes.checksum(f, 14, 20));
    return f;
  }

  void emit(byte[] f) {
    send(f, f.length);
  }

  /** Sends an IPv4 packet to the guest (fragmenting is never needed: TCP keeps to the MSS, UDP replies are cut to the MTU). */
  void sendIp(int src, int dst, int proto, byte[] payload, int off, int len) {
    byte[] f = frame(src, dst, proto, len);
    System.arraycopy(payload, off, f, 34, len);
    emit(f);
  }

  /** Broadcast-addressed IPv4 (DHCP replies before the guest has an address). */
  void sendIpBroadcast(int src, int proto, byte[] payload, int len) {
    byte[] saved = guestMac;
    guestMac = new byte[] {-1, -1, -1, -1, -1, -1};
    try {
      sendIp(src, 0xffffffff, proto, payload, 0, len);
    } finally {
      guestMac = saved;
    }
  }

  private void send(byte[] f, int len) {
    framesOut++;
    if (pcap != null) pcap.write(f, len);
    try {
      link.send(len == f.length ? f : java.util.Arrays.copyOf(f, len));
    } catch (IOException e) {
      dropped++;
    }
  }

  // ------------------------------------------------------------------ control

  public VpnKit.Forward expose(String protocol, String hostAddress, int hostPort, int guestPort) throws IOException {
    return forwards.expose(protocol, hostAddress, hostPort, guestPort);
  }

  public boolean unexpose(String protocol, String hostAddress, int hostPort) throws IOException {
    return forwards.unexpose(protocol, hostAddress, hostPort);
  }

  public List<VpnKit.Forward> forwards() {
    return forwards.list();
  }

  public List<VpnKit.Flow> flows() {
    List<VpnKit.Flow> out = new java.util.ArrayList<>(tcp.flows());
    out.addAll(udp.flows());
    return out;
  }

  public InetAddress guestAddress() {
    return Bytes.inet(guest);
  }

  @Override
  public void close() throws IOException {
    timers.shutdownNow();
    forwards.close();
    icmpForwarder.close();
    tcp.close();
    udp.close();
    link.close();
    if (pcap != null) pcap.close();
  }
}
