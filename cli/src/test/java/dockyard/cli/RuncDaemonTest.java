package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.runc.plan.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resident daemon's wire protocol, played from the client's side. */
class RuncDaemonTest {
  @TempDir Path dir;

  record Reply(String out, String err, int exit) {}

  Reply call(String cwd, String... args) throws Exception {
    return callAs(RuncDaemon.Identity.current().build(), RuncDaemon.Identity.currentNamespaces(), cwd, args);
  }

  Reply callAs(String build, String namespaces, String cwd, String... args) throws Exception {
    RuncDaemon.Identity identity = RuncDaemon.Identity.current();
    Path sock = dir.resolve("d.sock");
    Files.deleteIfExists(sock);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      Thread t = Thread.ofVirtual().start(() -> {
        try {
          RuncDaemon.serve(server.accept(), new RuncDaemon.Resident(server, null, null, identity, java.time.Duration.ZERO));
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
        List<Object> a = new ArrayList<>(List.of(ProcessHandle.current().pid(), cwd));
        a.addAll(List.of(args));
        c.write(java.nio.ByteBuffer.wrap(Plan.builder().add("hello", List.of(build, namespaces)).add("request", a).build().encode()));
        InputStream in = Channels.newInputStream(c);
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        while (true) {
          Plan.Directive d = readFrameOrExit(in);
          if (d.keyword().equals("exit")) {
            t.join();
            return new Reply(out.toString(), err.toString(), Integer.parseInt(d.args().getFirst()));
          }
          if (d.keyword().equals("refuse")) {
            t.join();
            return new Reply(out.toString(), "refuse " + d.args().getFirst(), -1);
          }
          (d.keyword().equals("out") ? out : err).append(d.args().getFirst());
        }
      }
    }
  }

  /** Frames are "out LEN:TEXT" / "err LEN:TEXT"; the last line is the plain "exit N". */
  static Plan.Directive readFrameOrExit(InputStream in) throws IOException {
    ByteArrayOutputStream word = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != ' ') word.write(c);
    String w = word.toString(StandardCharsets.US_ASCII);
    if (w.equals("exit")) {
      ByteArrayOutputStream n = new ByteArrayOutputStream();
      while ((c = in.read()) != '\n') n.write(c);
      return new Plan.Directive("exit", List.of(n.toString(StandardCharsets.US_ASCII)));
    }
    int len = 0;
    while ((c = in.read()) != ':') len = len * 10 + (c - '0');
    String text = new String(in.readNBytes(len), StandardCharsets.UTF_8);
    assertEquals('\n', in.read());
    return new Plan.Directive(w, List.of(text));
  }

  @Test
  void checkpointAndRestoreTakeRuncsFlagsAndSayTheyAreNotSupported() throws Exception {
    Reply missing = call(dir.toString(), "--root", "state", "checkpoint", "--leave-running", "--image-path", "img", "nosuch");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("container does not exist"), missing.err());
    Reply restore = call(dir.toString(), "--root", "state", "restore", "-d", "--image-path", "img", "--bundle", "b", "c1");
    assertEquals(1, restore.exit());
    assertTrue(restore.err().contains("restore is not supported: dockyard runc has no CRIU support"), restore.err());
  }

  @Test
  void verbsRunInTheDaemonWithTheClientsCwdAndOutput() throws Exception {
    Reply list = call(dir.toString(), "--root", "state", "list");
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().startsWith("ID "), list.out());

    Reply missing = call(dir.toString(), "--root", "state", "state", "nosuch");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("container does not exist"), missing.err());

    // `spec` writes into the client's cwd, not the daemon's.
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Reply spec = call(bundle.toString(), "spec");
    assertEquals(0, spec.exit(), spec.err());
    assertTrue(Files.readString(bundle.resolve("config.json")).contains("\"ociVersion\""));

    Reply nested = call(dir.toString(), "daemon");
    assertEquals(1, nested.exit());
  }

  @Test
  void aClientOfAnotherBuildOrOtherNamespacesIsRefusedBeforeAnythingRuns() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("other"));
    Reply build = callAs("another-build", RuncDaemon.Identity.currentNamespaces(), bundle.toString(), "spec");
    assertEquals(-1, build.exit());
    assertTrue(build.err().startsWith("refuse build another-build asked a daemon of build "), build.err());
    Reply ns = callAs(RuncDaemon.Identity.current().build(), "mnt:[1]", bundle.toString(), "spec");
    assertEquals(-1, ns.exit());
    assertTrue(ns.err().startsWith("refuse namespaces: "), ns.err());
    assertFalse(Files.exists(bundle.resolve("config.json")), "a refused request must not run");
  }
}
