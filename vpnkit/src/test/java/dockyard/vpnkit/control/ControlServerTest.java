package dockyard.vpnkit.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.vpnkit.VpnKit;
import dockyard.vpnkit.link.FrameLink;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/JSON control API: expose, list, unexpose, errors. */
class ControlServerTest {
  @TempDir Path tmp;

  static final class NullLink implements FrameLink {
    @Override public void send(byte[] frame) { }
    @Override public void start(Consumer<byte[]> receiver) { }
    @Override public void close() { }
  }

  @Test
  void forwardsAreAddedListedAndRemoved() throws Exception {
    Path sock = tmp.resolve("vk.sock");
    try (VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults()); ControlServer c = ControlServer.start(vk, sock)) {
      String[] r = ControlServer.request(sock, "POST", "/forwards", "{\"proto\":\"tcp\",\"hostIP\":\"127.0.0.1\",\"hostPort\":0,\"guestPort\":8080}");
      assertEquals("201", r[0], r[1]);
      int port = Integer.parseInt(r[1].replaceAll(".*\"hostPort\":(\\d+).*", "$1"));
      assertTrue(port > 0, r[1]);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000); // the host side listens
      }
      String[] list = ControlServer.request(sock, "GET", "/forwards", null);
      assertEquals("200", list[0]);
      assertTrue(list[1].contains("\"guestPort\":8080") && list[1].contains("\"guestIP\":\"192.168.65.2\""), list[1]);
      assertEquals("200", ControlServer.request(sock, "GET", "/flows", null)[0]);
      assertEquals("204", ControlServer.request(sock, "DELETE", "/forwards?proto=tcp&hostIP=127.0.0.1&hostPort=" + port, null)[0]);
      assertEquals("404", ControlServer.request(sock, "DELETE", "/forwards?proto=tcp&hostIP=127.0.0.1&hostPort=" + port, null)[0]);
      assertThrows(java.io.IOException.class, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
      }, "the listener is closed");
      String[] bad = ControlServer.request(sock, "POST", "/forwards", "{\"proto\":\"sctp\",\"guestPort\":1}");
      assertEquals("400", bad[0]);
      assertTrue(bad[1].contains("protocol must be tcp or udp"), bad[1]);
      assertEquals("400", ControlServer.request(sock, "POST", "/forwards", "not json")[0]);
      assertEquals("404", ControlServer.request(sock, "GET", "/nothing", null)[0]);
    }
  }

  @Test
  void aSocketAnotherVpnkitAnswersOnIsRefusedAndKept() throws Exception {
    Path sock = tmp.resolve("vk.sock");
    try (VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults()); ControlServer first = ControlServer.start(vk, sock)) {
      java.net.BindException e = assertThrows(java.net.BindException.class, () -> ControlServer.start(vk, sock));
      assertEquals(sock + ": already in use by " + ControlServer.OWNER, e.getMessage());
      assertEquals("200", ControlServer.request(sock, "GET", "/forwards", null)[0], "the first one keeps its socket");
    }
    assertTrue(!java.nio.file.Files.exists(sock), "the owner removes its socket on close");
  }

  @Test
  void aStaleSocketIsReplacedAndNothingElseIs() throws Exception {
    Path sock = tmp.resolve("stale.sock");
    // a socket file nobody listens on, as a killed vpnkit leaves it
    try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.bind(java.net.UnixDomainSocketAddress.of(sock));
    }
    assertTrue(java.nio.file.Files.exists(sock));
    try (VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults()); ControlServer c = ControlServer.start(vk, sock)) {
      assertEquals("200", ControlServer.request(sock, "GET", "/forwards", null)[0]);
    }
    Path file = java.nio.file.Files.writeString(tmp.resolve("data"), "keep me");
    try (VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults())) {
      java.net.BindException e = assertThrows(java.net.BindException.class, () -> ControlServer.start(vk, file));
      assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
    }
    assertEquals("keep me", java.nio.file.Files.readString(file));
  }

  @Test
  void closingNeverDeletesASocketItDoesNotOwn() throws Exception {
    Path sock = tmp.resolve("vk.sock");
    try (VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults())) {
      ControlServer old = ControlServer.start(vk, sock);
      java.nio.file.Files.delete(sock); // someone removed it, and another vpnkit took the name
      try (ControlServer current = ControlServer.start(vk, sock)) {
        old.close();
        assertTrue(java.nio.file.Files.exists(sock), "the old server left the new one's socket alone");
        assertEquals("200", ControlServer.request(sock, "GET", "/forwards", null)[0]);
      }
    }
  }

  @Test
  void aBusyForwardNamesItsAddress() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
         VpnKit vk = VpnKit.start(new NullLink(), VpnKit.Options.defaults())) {
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> vk.expose("tcp", "127.0.0.1", busy.getLocalPort(), 80));
      assertEquals("tcp 127.0.0.1:" + busy.getLocalPort() + ": address already in use", e.getMessage());
    }
  }

  @Test
  void aDatagramSocketInUseOrAnyOtherFileIsNotTaken() throws Exception {
    Path sock = tmp.resolve("frames.sock");
    var first = dockyard.vpnkit.link.DatagramLink.bind(sock);
    try {
      java.net.BindException e = assertThrows(java.net.BindException.class, () -> dockyard.vpnkit.link.DatagramLink.bind(sock));
      assertTrue(e.getMessage().startsWith(sock + ": already in use by "), e.getMessage());
    } finally {
      first.close();
    }
    assertTrue(!java.nio.file.Files.exists(sock), "removed by its owner");
    Path file = java.nio.file.Files.writeString(tmp.resolve("frames.txt"), "keep me");
    assertThrows(java.net.BindException.class, () -> dockyard.vpnkit.link.DatagramLink.bind(file));
    assertEquals("keep me", java.nio.file.Files.readString(file));
  }
}
