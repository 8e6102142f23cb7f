package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.datakit.DataKitServer;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.Transaction;
import dockyard.hyperkit.virtio.Virtio9p;
import dockyard.p9.Endpoint;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-9p: the guest's own 9P client reads a file out of a DataKit server through the device. */
class NinePTest {
  @TempDir Path tmp;

  @Test
  void guestReadsAFileFromDataKit() throws Exception {
    try (DataKitServer server = DataKitServer.start(tmp.resolve("repo.git"), Endpoint.parse("tcp://127.0.0.1:0"));
         DataKitClient client = DataKitClient.connect(server.endpoint())) {
      client.createBranch("master");
      try (Transaction t = client.branch("master").transaction("seed")) {
        t.write("docs/hello.txt", "hello from datakit over virtio-9p\n").message("seed").commit();
      }
      int port = ((InetSocketAddress) server.endpoint().address()).getPort();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
          .virtio(new Virtio9p("datakit", "tcp:127.0.0.1:" + port)).cmdline("test=9p 9ppath=branch/master/ro/docs/hello.txt"), out);
      assertEquals(VmExit.Kind.EXITED, r.exit().kind(), r.exit() + "\n" + r.console());
      assertEquals(0, r.exit().code(), r.console());
      assertTrue(r.console().contains("9p tag datakit"), r.console());
      assertTrue(r.console().contains("9p read 34 bytes: hello from datakit over virtio-9p"), r.console());
      assertTrue(r.console().contains("OK 9p"), r.console());
    }
  }

  @Test
  void aMissingFileIsTheServersError() throws Exception {
    try (DataKitServer server = DataKitServer.start(tmp.resolve("r.git"), Endpoint.parse("tcp://127.0.0.1:0"))) {
      int port = ((InetSocketAddress) server.endpoint().address()).getPort();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
          .virtio(new Virtio9p("datakit", "tcp:127.0.0.1:" + port)).cmdline("test=9p 9ppath=branch/nope/ro/x"), out);
      assertTrue(r.console().contains("FAIL 9p"), r.console());
      assertTrue(r.exit().code() != 0);
    }
  }
}
