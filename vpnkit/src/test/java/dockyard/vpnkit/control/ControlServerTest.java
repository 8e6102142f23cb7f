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
}
