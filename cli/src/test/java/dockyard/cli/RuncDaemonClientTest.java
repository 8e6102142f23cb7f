package dockyard.cli;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.runc.OciRuntime;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resident daemon with its real client (the C helper's client mode): containers run, are
 * created, exec'd into and deleted through it, with the client's stdio and exit codes.
 */
@EnabledIf("available")
class RuncDaemonClientTest {
  @TempDir Path dir;
  ServerSocketChannel server;
  Path sock;
  Path helper;

  static boolean available() {
    return dockyard.linux.Libc.geteuid() == 0 && Files.isExecutable(Path.of("/bin/busybox"));
  }

  @BeforeEach
  void startDaemon() throws Exception {
    sock = dir.resolve("daemon.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    Thread.ofVirtual().start(() -> RuncDaemon.acceptLoop(server));
    helper = OciRuntime.helperBinary(dir.resolve("cache"));
  }

  @AfterEach
  void stopDaemon() throws Exception {
    client("delete", "-f", "d1");
    server.close();
  }

  record Result(int exit, String out, String err) {}

  Result client(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(helper.toString(), "client", sock.toString(), "--root", dir.resolve("state").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
    int exit = p.waitFor();
    return new Result(exit, Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  Path bundle(String... args) throws Exception {
    Path b = Files.createDirectories(dir.resolve("bundle"));
    SpecBundles.busybox(b, List.of("sh", "sleep", "hostname", "echo"));
    Files.deleteIfExists(b.resolve("config.json"));
    Result spec = client("spec", "--bundle", b.toString());
    assertEquals(0, spec.exit(), spec.err());
    SpecBundles.runWithoutTerminal(b, args);
    return b;
  }

  @Test
  void runReturnsTheContainersOutputAndExitCode() throws Exception {
    Path b = bundle("sh", "-c", "echo hello from $$; echo oops >&2; exit 3");
    Result r = client("run", "--bundle", b.toString(), "d1");
    assertEquals(3, r.exit(), r.err());
    assertEquals("hello from 1\n", r.out());
    assertEquals("oops\n", r.err());
    Result list = client("list", "-q");
    assertEquals("", list.out(), "foreground run deletes its container");
  }

  @Test
  void createStartExecDeleteThroughTheDaemon() throws Exception {
    Path b = bundle("sleep", "60");
    assertEquals(0, client("create", "--bundle", b.toString(), "d1").exit());
    assertTrue(client("state", "d1").out().contains("\"status\" : \"created\""));
    assertEquals(0, client("start", "d1").exit());
    Result exec = client("exec", "d1", "sh", "-c", "hostname; exit 5");
    assertEquals(5, exec.exit(), exec.err());
    assertEquals("runc\n", exec.out());
    Result busy = client("delete", "d1");
    assertEquals(1, busy.exit());
    assertTrue(busy.err().contains("not stopped: running"), busy.err());
    assertEquals(0, client("delete", "-f", "d1").exit());
    Result gone = client("state", "d1");
    assertEquals(1, gone.exit());
    assertTrue(gone.err().contains("container does not exist"), gone.err());
  }

  @Test
  void withoutADaemonTheClientSaysSo() throws Exception {
    server.close();
    Files.deleteIfExists(sock);
    Result r = client("list");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("connect to runc daemon socket"), r.err());
  }
}
