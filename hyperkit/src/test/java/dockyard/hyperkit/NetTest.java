package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.vpnkit.link.FrameLink;
import dockyard.vpnkit.link.TapLink;
import dockyard.hyperkit.virtio.VirtioNet;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-net frames both ways through VPNKit's (qemu's) stream protocol, and the tap backend. */
class NetTest {
  @TempDir Path tmp;

  static void readFully(SocketChannel c, ByteBuffer b) throws Exception {
    while (b.hasRemaining()) if (c.read(b) < 0) throw new java.io.EOFException();
  }

  @Test
  void framesGoOutAndComeBackOverTheStreamSocket() throws Exception {
    Path sock = tmp.resolve("net.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      // the "switch": takes the guest's frame, answers with one addressed back to it
      CompletableFuture<byte[]> seen = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel c = server.accept()) {
          ByteBuffer len = ByteBuffer.allocate(4);
          readFully(c, len);
          ByteBuffer frame = ByteBuffer.allocate(len.getInt(0));
          readFully(c, frame);
          byte[] f = frame.array();
          byte[] reply = new byte[60];
          System.arraycopy(f, 6, reply, 0, 6); // to the guest's MAC
          System.arraycopy(new byte[] {2, 0, 0, 0, 0, 1}, 0, reply, 6, 6);
          reply[12] = (byte) 0x88;
          reply[13] = (byte) 0xb5;
          byte[] text = "dockyard-net-reply".getBytes(StandardCharsets.US_ASCII);
          System.arraycopy(text, 0, reply, 14, text.length);
          c.write(ByteBuffer.allocate(4 + reply.length).putInt(reply.length).put(reply).flip());
          Thread.sleep(2000); // keep the connection while the guest reads
          return f;
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] mac = VirtioNet.mac(7);
      Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
          .virtio(new VirtioNet(FrameLink.open("vpnkit:" + sock), mac)).cmdline("test=net"), out);
      assertEquals(VmExit.Kind.EXITED, r.exit().kind(), r.exit() + "\n" + r.console());
      assertEquals(0, r.exit().code(), r.console());
      assertTrue(r.console().contains("OK net rx 60 bytes"), r.console());
      byte[] f = seen.get(10, TimeUnit.SECONDS);
      assertTrue(new String(f, StandardCharsets.ISO_8859_1).contains("dockyard-net-test"), "the guest's frame");
      for (int i = 0; i < 6; i++) assertEquals(mac[i], f[6 + i], "source MAC is the one in config space");
    }
  }

  @Test
  void anInProcessVpnKitAnswersTheGuestsArp() throws Exception {
    dockyard.vpnkit.link.LinkPair pair = new dockyard.vpnkit.link.LinkPair();
    try (dockyard.vpnkit.VpnKit vk = dockyard.vpnkit.VpnKit.start(pair.second(), dockyard.vpnkit.VpnKit.Options.defaults())) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
          .virtio(new VirtioNet(pair.first(), VirtioNet.mac(9))).cmdline("test=net netarp=1"), out);
      assertEquals(0, r.exit().code(), r.exit() + "\n" + r.console());
      assertTrue(r.console().contains("OK net rx 42 bytes"), r.console());
      // to the guest's MAC, from the stack's, an ARP frame
      assertTrue(r.console().replace(" ", "").contains("024459000009025000000001" + "0806"), r.console());
    }
  }

  @Test
  void aTapDeviceCarriesFrames() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/net/tun")), "/dev/net/tun is not available");
    String name = "dytap" + (ProcessHandle.current().pid() % 10000);
    try (TapLink tap = TapLink.open(name)) {
      new ProcessBuilder("ip", "link", "set", name, "up").start().waitFor();
      byte[] frame = new byte[60];
      java.util.Arrays.fill(frame, 0, 6, (byte) 0xff);
      frame[6] = 2;
      frame[12] = (byte) 0x88;
      frame[13] = (byte) 0xb5;
      for (int i = 0; i < 5; i++) tap.send(frame);
      String stats = new String(new ProcessBuilder("cat", "/sys/class/net/" + name + "/statistics/rx_packets").start()
          .getInputStream().readAllBytes()).strip();
      assertEquals("5", stats, "frames written to the tap arrive on the host's side of it");
    }
  }
}
