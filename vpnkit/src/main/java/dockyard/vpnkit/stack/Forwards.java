package dockyard.vpnkit.stack;

import dockyard.vpnkit.VpnKit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Host ports forwarded into the guest (VPNKit's expose-port): a TCP listener whose accepted
 * connections become connections into the guest's port, or a UDP socket whose datagrams are
 * relayed to the guest's port and the answers back to the last sender.
 */
final class Forwards implements AutoCloseable {
  private final Stack stack;
  private final Map<String, AutoCloseable> open = new ConcurrentHashMap<>();
  private final Map<String, VpnKit.Forward> info = new ConcurrentHashMap<>();
  private final Map<String, Thread> acceptors = new ConcurrentHashMap<>();

  Forwards(Stack stack) {
    this.stack = stack;
  }

  private static String key(String protocol, String address, int port) {
    return protocol + ":" + address + ":" + port;
  }

  /** Binds, or closes the channel and fails naming the address ("tcp 127.0.0.1:8080: address already in use"). */
  private static void bind(java.nio.channels.NetworkChannel c, String protocol, String hostAddress, int hostPort) throws IOException {
    try {
      c.bind(new InetSocketAddress(hostAddress, hostPort));
    } catch (IOException | RuntimeException e) {
      c.close();
      String why = String.valueOf(e.getMessage());
      if (why.toLowerCase(java.util.Locale.ROOT).contains("already in use")) why = "address already in use";
      String host = hostAddress.contains(":") ? "[" + hostAddress + "]" : hostAddress;
      java.net.BindException named = new java.net.BindException(protocol + " " + host + ":" + hostPort + ": " + why);
      named.initCause(e);
      throw named;
    }
  }

  VpnKit.Forward expose(String protocol, String hostAddress, int hostPort, int guestPort) throws IOException {
    if (guestPort < 1 || guestPort > 65535) throw new IOException("guest port " + guestPort + " out of range");
    switch (protocol) {
      case "tcp" -> {
        ServerSocketChannel s = ServerSocketChannel.open();
        bind(s, "tcp", hostAddress, hostPort);
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        VpnKit.Forward f = new VpnKit.Forward("tcp", hostAddress, port, stack.options.guest(), guestPort);
        register(key("tcp", hostAddress, port), s, f);
        acceptors.put(key("tcp", hostAddress, port), Thread.ofVirtual().name("forward " + f).start(() -> {
          try {
            while (true) {
              SocketChannel c = s.accept();
              c.socket().setTcpNoDelay(true);
              stack.tcp.connectToGuest(c, guestPort);
            }
          } catch (IOException closed) {
            // unexposed
          }
        }));
        return f;
      }
      case "udp" -> {
        DatagramChannel d = DatagramChannel.open();
        bind(d, "udp", hostAddress, hostPort);
        int port = ((InetSocketAddress) d.getLocalAddress()).getPort();
        VpnKit.Forward f = new VpnKit.Forward("udp", hostAddress, port, stack.options.guest(), guestPort);
        register(key("udp", hostAddress, port), d, f);
        acceptors.put(key("udp", hostAddress, port), Thread.ofVirtual().name("forward " + f).start(() -> {
          ByteBuffer b = ByteBuffer.allocate(65535);
          try {
            while (true) {
              b.clear();
              d.receive(b);
              b.flip();
              byte[] data = new byte[Math.min(b.remaining(), stack.mtu - 28)];
              b.get(data);
              stack.udp.send(stack.gateway, port, stack.guest, guestPort, data);
            }
          } catch (IOException closed) {
            // unexposed
          }
        }));
        return f;
      }
      default -> throw new IOException("protocol must be tcp or udp, got \"" + protocol + "\"");
    }
  }

  private void register(String key, AutoCloseable c, VpnKit.Forward f) throws IOException {
    if (open.putIfAbsent(key, c) != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing
      }
      throw new IOException(key + " is already forwarded");
    }
    info.put(key, f);
  }

  boolean unexpose(String protocol, String hostAddress, int hostPort) {
    String k = key(protocol, hostAddress, hostPort);
    AutoCloseable c = open.remove(k);
    info.remove(k);
    if (c == null) return false;
    try {
      c.close();
    } catch (Exception ignored) {
      // closing
    }
    // a channel closed while a thread is blocked in accept/receive releases its descriptor only when
    // that thread leaves the call: wait for it, so the port is free (refusing) when this returns
    Thread t = acceptors.remove(k);
    if (t != null) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return true;
  }

  List<VpnKit.Forward> list() {
    return new ArrayList<>(info.values());
  }

  @Override
  public void close() {
    for (String k : List.copyOf(open.keySet())) {
      AutoCloseable c = open.remove(k);
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    info.clear();
  }
}
