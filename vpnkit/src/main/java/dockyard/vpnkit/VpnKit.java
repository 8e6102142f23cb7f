package dockyard.vpnkit;

import dockyard.vpnkit.link.FrameLink;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A user-space network for one guest (a VM's NIC or a namespace's tap): the guest's Ethernet frames
 * come in on a {@link FrameLink} and leave as host socket calls, as VPNKit does for Docker Desktop.
 * The guest gets its address by DHCP, talks to the gateway (ARP, ping, DNS), reaches any host or
 * network address through host sockets (TCP and UDP), and reaches services on the host's loopback
 * at the host alias address ({@code host.dockyard.internal}). Ports on the host's loopback can be
 * forwarded into the guest.
 */
public final class VpnKit implements AutoCloseable {
  /**
   * @param subnet    the guest network, e.g. 192.168.65.0/24
   * @param gateway   the stack's own address: router, DHCP and DNS server (.1)
   * @param guest     the address DHCP gives the guest (.2)
   * @param hostAlias the address whose connections reach the host's 127.0.0.1 (.254)
   * @param domain    names answered locally: host.DOMAIN, gateway.DOMAIN
   * @param pcap      write every frame here (pcap format), or null
   * @param mtu       the guest link's MTU (1500 by default, as VPNKit)
   */
  public record Options(String subnet, String gateway, String guest, String hostAlias, String domain, Path pcap,
                        Consumer<String> log, int mtu) {
    public Options {
      if (mtu < 576 || mtu > 65520) throw new IllegalArgumentException("MTU must be 576..65520, got " + mtu);
    }

    public static Options defaults() {
      return new Options("192.168.65.0/24", "192.168.65.1", "192.168.65.2", "192.168.65.254", "dockyard.internal", null, s -> {}, 1500);
    }

    public Options withPcap(Path p) {
      return new Options(subnet, gateway, guest, hostAlias, domain, p, log, mtu);
    }

    public Options withLog(Consumer<String> l) {
      return new Options(subnet, gateway, guest, hostAlias, domain, pcap, l, mtu);
    }

    /** The guest link's MTU, offered by DHCP (option 26); larger frames mean fewer of them per byte. */
    public Options withMtu(int m) {
      return new Options(subnet, gateway, guest, hostAlias, domain, pcap, log, m);
    }

    public Options withSubnet(String cidr) {
      String base = cidr.substring(0, cidr.lastIndexOf('.') + 1);
      return new Options(cidr, base + "1", base + "2", base + "254", domain, pcap, log, mtu);
    }
  }

  /** A host port forwarded to the guest. */
  public record Forward(String protocol, String hostAddress, int hostPort, String guestAddress, int guestPort) {}

  /** One guest connection as the control API shows it. */
  public record Flow(String protocol, String guest, String remote, String state, long bytesIn, long bytesOut) {}

  private final dockyard.vpnkit.stack.Stack stack;

  private VpnKit(dockyard.vpnkit.stack.Stack stack) {
    this.stack = stack;
  }

  /** Starts serving {@code link}; runs until {@link #close()}. */
  public static VpnKit start(FrameLink link, Options options) throws IOException {
    return new VpnKit(dockyard.vpnkit.stack.Stack.start(link, options));
  }

  /** Forwards host {@code hostAddress:hostPort} (tcp or udp) to the guest's {@code guestPort}; returns the bound port (0 picks one). */
  public Forward expose(String protocol, String hostAddress, int hostPort, int guestPort) throws IOException {
    return stack.expose(protocol, hostAddress, hostPort, guestPort);
  }

  public boolean unexpose(String protocol, String hostAddress, int hostPort) throws IOException {
    return stack.unexpose(protocol, hostAddress, hostPort);
  }

  public List<Forward> forwards() {
    return stack.forwards();
  }

  public List<Flow> flows() {
    return stack.flows();
  }

  public InetAddress guestAddress() {
    return stack.guestAddress();
  }

  @Override
  public void close() throws IOException {
    stack.close();
  }
}
