package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.hyperkit.virtio.VirtioVsock;
import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-vsock: the guest connects to host port 1234, which Firecracker-style is the unix socket UDS_1234, running an echo server. */
class VsockTest {
  @TempDir Path tmp;

  @Test
  void guestStreamIsEchoedByAHostUnixSocketServer() throws Exception {
    Path uds = tmp.resolve("v.sock");
    AtomicInteger echoed = new AtomicInteger();
    try (ServerSocketChannel echo = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      echo.bind(UnixDomainSocketAddress.of(uds + "_1234"));
      Thread.ofVirtual().start(() -> {
        try (SocketChannel c = echo.accept()) {
          ByteBuffer b = ByteBuffer.allocate(4096);
          while (c.read(b) > 0) {
            b.flip();
            echoed.addAndGet(b.remaining());
            while (b.hasRemaining()) c.write(b);
            b.clear();
          }
        } catch (Exception e) {
          // the guest closed
        }
      });
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
          .virtio(new VirtioVsock(42, uds)).cmdline("test=vsock vsockport=1234"), out);
      assertEquals(VmExit.Kind.EXITED, r.exit().kind(), r.exit() + "\n" + r.console());
      assertEquals(0, r.exit().code(), r.console());
      assertTrue(r.console().contains("OK vsock cid 42 echo 22 bytes"), r.console());
      assertEquals(22, echoed.get(), "the host server saw the guest's bytes");
    }
  }

  @Test
  void aPortNobodyListensOnIsRefused() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
        .virtio(new VirtioVsock(7, tmp.resolve("w.sock"))).cmdline("test=vsock vsockport=999"), out);
    assertTrue(r.console().contains("FAIL vsock connection refused"), r.console());
    assertTrue(r.exit().code() != 0);
  }
}
