package dockyard.vpnkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dockyard.vpnkit.link.FrameLink;
import dockyard.vpnkit.link.TapLink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * End-to-end: a tap device moved into a fresh network namespace, served by {@link VpnKit} from this
 * process, driven with the ordinary Linux tools (busybox udhcpc, ping, curl, dig, iperf3, busybox
 * httpd) inside the namespace. Needs root, /dev/net/tun, ip and busybox; skipped otherwise.
 *
 * <p>The DHCP lease is taken in {@link #setUp()}; every test needs it and nothing else from the
 * others.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NamespaceTest {
  static final String GATEWAY = "192.168.65.1";
  static final String GUEST = "192.168.65.2";
  static final String HOST_ALIAS = "192.168.65.254";
  static final int BIG_SIZE = 32 << 20;

  static final String NAME = "dyvk" + ProcessHandle.current().pid();

  static Ns ns;
  static boolean nsCreated;
  static OnceLink link;
  static VpnKit vk;
  static Path tmp;
  static HttpServer http;
  static ExecutorService httpExecutor;
  static int httpPort;
  static byte[] big;
  static String bigSha256;
  static Ns.Result lease;

  @BeforeAll
  static void setUp() throws Exception {
    Assumptions.assumeTrue(Ns.isRoot(), "needs root (network namespaces, tap devices)");
    Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "/dev/net/tun is missing");
    Assumptions.assumeTrue(Ns.which("ip") != null, "ip (iproute2) is missing");
    Assumptions.assumeTrue(Ns.which("busybox") != null, "busybox is missing");

    try {
      tmp = Files.createTempDirectory("vpnkit-ns-test");
      ns = new Ns(NAME);
      Ns.host("ip", "netns", "del", NAME); // a leftover of an earlier run with the same pid
      Ns.checkHost("ip", "netns", "add", NAME);
      nsCreated = true;

      TapLink tap = TapLink.open(NAME);
      link = new OnceLink(tap);
      Ns.checkHost("ip", "link", "set", NAME, "netns", NAME);
      ns.check("ip", "link", "set", "lo", "up");
      ns.check("ip", "link", "set", NAME, "up");
      vk = VpnKit.start(link, VpnKit.Options.defaults().withLog(s -> System.out.println("vpnkit: " + s)));

      startHttpServer();
      lease = dhcp();
      System.out.println("udhcpc: " + lease);
      if (!lease.ok()) fail("no DHCP lease: " + lease);
    } catch (Throwable t) {
      tearDown();
      throw t;
    }
  }

  @AfterAll
  static void tearDown() {
    if (http != null) {
      http.stop(0);
      http = null;
    }
    if (httpExecutor != null) {
      httpExecutor.shutdownNow();
      httpExecutor = null;
    }
    if (vk != null) {
      try {
        vk.close();
      } catch (Exception e) {
        System.out.println("closing VpnKit: " + e);
      }
      vk = null;
    }
    if (link != null) {
      link.close();
      link = null;
    }
    if (nsCreated) {
      // processes still inside (a forgotten background command) would keep the namespace alive
      Ns.Result pids = Ns.host("ip", "netns", "pids", NAME);
      for (String pid : pids.output().split("\\s+")) {
        if (pid.matches("\\d+")) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
      Ns.Result r = Ns.host("ip", "netns", "del", NAME);
      if (!r.ok()) System.out.println("deleting the namespace: " + r);
      nsCreated = false;
    }
    if (tmp != null) {
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        System.out.println("removing " + tmp + ": " + e);
      }
      tmp = null;
    }
  }

  /** busybox udhcpc with a script that configures the address and default route and records the lease. */
  static Ns.Result dhcp() throws IOException {
    Path script = tmp.resolve("udhcpc.sh");
    Path leaseFile = tmp.resolve("lease");
    Files.writeString(script, """
        #!/bin/sh
        # busybox udhcpc script: $mask is the prefix length (busybox >= 1.20), $subnet the dotted mask
        case "$1" in
          deconfig)
            ip -4 addr flush dev "$interface"
            ip link set "$interface" up
            ;;
          bound|renew)
            m="${mask:-$subnet}"
            [ -n "$m" ] || m=24
            ip -4 addr flush dev "$interface"
            ip addr add "$ip/$m" dev "$interface" || exit 1
            if [ -n "$router" ]; then
              for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
            fi
            { echo "ip=$ip"; echo "mask=$m"; echo "router=$router"; echo "dns=$dns"; echo "lease=$lease"; } > LEASE
            ;;
        esac
        exit 0
        """.replace("LEASE", "'" + leaseFile + "'"));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return ns.exec(Duration.ofSeconds(30),
        "busybox", "udhcpc", "-i", NAME, "-q", "-n", "-t", "5", "-T", "1", "-s", script.toString());
  }

  static void startHttpServer() throws IOException {
    big = new byte[BIG_SIZE];
    new Random(0x5eed_c0ffeeL).nextBytes(big);
    bigSha256 = sha256(big);
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(httpExecutor);
    http.createContext("/big", ex -> respond(ex, big));
    http.createContext("/small", ex -> respond(ex, "ok".getBytes(StandardCharsets.US_ASCII)));
    http.start();
    httpPort = http.getAddress().getPort();
  }

  static void respond(HttpExchange ex, byte[] body) {
    try (ex) {
      ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        for (int off = 0; off < body.length; off += 65536) out.write(body, off, Math.min(65536, body.length - off));
      }
    } catch (IOException e) {
      // the client went away (the slow reader is killed)
    }
  }

  static String url(String path) {
    return "http://" + HOST_ALIAS + ":" + httpPort + path;
  }

  static void assumeTool(String tool) {
    Assumptions.assumeTrue(Ns.which(tool) != null, tool + " is missing");
  }

  // ---- tests

  @Test
  @Order(1)
  void dhcpLeaseConfiguresTheGuest() throws IOException {
    String recorded = Files.readString(tmp.resolve("lease"));
    System.out.println("lease: " + recorded.replace('\n', ' '));
    assertTrue(recorded.contains("ip=" + GUEST + "\n"), "leased address: " + recorded);
    assertTrue(recorded.matches("(?s).*router=" + Pattern.quote(GATEWAY) + "\\s*\n.*"), "router: " + recorded);
    assertTrue(recorded.matches("(?s).*dns=" + Pattern.quote(GATEWAY) + "\\s*\n.*"), "dns: " + recorded);
    assertTrue(recorded.matches("(?s).*mask=(24|255\\.255\\.255\\.0)\n.*"), "mask: " + recorded);

    Ns.Result addr = ns.check("ip", "-4", "addr", "show", "dev", NAME);
    assertTrue(addr.output().contains("inet " + GUEST + "/24"), addr.toString());
    Ns.Result route = ns.check("ip", "-4", "route", "show", "default");
    assertTrue(route.output().contains("default via " + GATEWAY), route.toString());
    assertEquals(GUEST, vk.guestAddress().getHostAddress());
  }

  @Test
  @Order(2)
  void pingTheGateway() {
    String[] ping = Ns.which("ping") != null
        ? new String[] {"ping", "-c", "3", "-W", "2", GATEWAY}
        : new String[] {"busybox", "ping", "-c", "3", "-W", "2", GATEWAY};
    Ns.Result r = ns.exec(Duration.ofSeconds(20), ping);
    System.out.println(r);
    assertTrue(r.ok(), r.toString());
    assertTrue(Pattern.compile("3 packets transmitted, 3 (packets )?received").matcher(r.output()).find(), r.toString());
  }

  @Test
  @Order(2)
  void ipv6RouterAdvertisementGivesAnAddressAndTheGatewayAnswersPing() throws Exception {
    // the kernel solicits a router when the link comes up; SLAAC from the stack's fd65::/64 follows
    Ns.Result addr = null;
    for (int i = 0; i < 50; i++) {
      addr = ns.exec(Duration.ofSeconds(5), "ip", "-6", "addr", "show", "dev", NAME, "scope", "global");
      if (addr.output().contains("inet6 fd65:") && !addr.output().contains("tentative")) break;
      Thread.sleep(200);
    }
    assertTrue(addr.output().contains("inet6 fd65:"), "no SLAAC address from the router advertisement: " + addr);
    for (String target : new String[] {"fd65::1", "fe80::1%" + NAME}) {
      Ns.Result r = ns.exec(Duration.ofSeconds(20), "busybox", "ping", "-6", "-c", "2", "-W", "2", target);
      assertTrue(r.ok() && r.output().contains("2 packets received"), target + ": " + r);
    }
  }

  @Test
  @Order(2)
  void pingBeyondTheGatewayGoesOutFromTheHost() throws Exception {
    // the host's own global address: reachable from the host, not on the guest's subnet
    String hostIp = null;
    for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var a : java.util.Collections.list(nif.getInetAddresses())) {
        if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.getHostAddress().startsWith("192.168.65.")) {
          hostIp = a.getHostAddress();
        }
      }
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(hostIp != null, "the host has no global IPv4 address to ping");
    Ns.Result r = ns.exec(Duration.ofSeconds(20), "busybox", "ping", "-c", "2", "-W", "2", hostIp);
    assertTrue(r.ok() && r.output().contains("2 packets received"), "ping " + hostIp + " through the stack: " + r);
  }

  @Test
  @Order(3)
  void downloadFromTheHostsLoopback() throws Exception {
    assumeTool("curl");
    Path file = tmp.resolve("big.out");
    long t0 = System.nanoTime();
    Ns.Result r = ns.exec(Duration.ofSeconds(180), "curl", "-sS", "--noproxy", "*", "-o", file.toString(),
        "-w", "%{http_code} %{size_download} %{time_total}\n", url("/big"));
    double wall = (System.nanoTime() - t0) / 1e9;
    assertTrue(r.ok(), r.toString());
    assertTrue(r.output().startsWith("200 "), r.toString());
    assertEquals(BIG_SIZE, Files.size(file), "downloaded size; " + r);
    assertEquals(bigSha256, sha256(Files.readAllBytes(file)), "sha256 of the downloaded bytes");
    String[] w = r.output().trim().split("\\s+");
    double seconds = Double.parseDouble(w[w.length - 1]);
    System.out.printf("guest <- host download: %d MiB in %.3f s (curl), %.3f s (wall): %.1f MiB/s%n",
        BIG_SIZE >> 20, seconds, wall, (BIG_SIZE / 1048576.0) / Math.max(seconds, 1e-6));
  }

  @Test
  @Order(4)
  void dnsAnswersLocalNamesAndForwards() {
    assumeTool("dig");
    assertEquals(List.of(HOST_ALIAS), dig("host.dockyard.internal"));
    assertEquals(List.of(GATEWAY), dig("gateway.dockyard.internal"));
    List<String> localhost = dig("localhost");
    assertTrue(localhost.contains("127.0.0.1"), "localhost resolved to " + localhost);
  }

  List<String> dig(String name) {
    Ns.Result r = ns.exec(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=2", "@" + GATEWAY, name);
    System.out.println(r);
    assertTrue(r.ok(), r.toString());
    return Arrays.stream(r.output().split("\n")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  @Test
  @Order(5)
  void iperf3BothWays() throws Exception {
    assumeTool("iperf3");
    double up = iperf(false);
    double down = iperf(true);
    System.out.printf("iperf3 guest -> host: %.1f Mbit/s, host -> guest: %.1f Mbit/s%n", up / 1e6, down / 1e6);
    assertTrue(up > 1e6, "guest -> host throughput " + up + " bit/s");
    assertTrue(down > 1e6, "host -> guest throughput " + down + " bit/s");
  }

  static final Pattern SUM_RECEIVED =
      Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+-]+)");

  double iperf(boolean reverse) throws Exception {
    int port = freePort();
    Path log = tmp.resolve("iperf3-server" + (reverse ? "-R" : "") + ".log");
    Process server = Ns.startHost(log, "iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", Integer.toString(port));
    try {
      assertTrue(Ns.waitListeningHost(port, Duration.ofSeconds(10)),
          "iperf3 server does not listen on " + port + ": " + Files.readString(log));
      List<String> cmd = new java.util.ArrayList<>(
          List.of("iperf3", "-c", HOST_ALIAS, "-p", Integer.toString(port), "-t", "3", "-J"));
      if (reverse) cmd.add("-R");
      Ns.Result r = ns.exec(Duration.ofSeconds(40), cmd.toArray(String[]::new));
      if (!r.ok()) System.out.println(r + "\nserver: " + Files.readString(log));
      assertTrue(r.ok(), r + "\nserver: " + Files.readString(log));
      int end = r.output().lastIndexOf("\"end\"");
      assertTrue(end >= 0, "no end section: " + r);
      String out = r.output();
      int sum = out.lastIndexOf("\"sum_received\""); // the end section's (the last one)
      int bps = sum < 0 ? -1 : out.indexOf("\"bits_per_second\"", sum);
      assertTrue(bps >= 0, "no end.sum_received.bits_per_second: " + r);
      Matcher m = Pattern.compile("\"bits_per_second\"\\s*:\\s*([0-9.eE+-]+)").matcher(out);
      assertTrue(m.find(bps), r.toString());
      return Double.parseDouble(m.group(1));
    } finally {
      if (!server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) Ns.kill(server);
    }
  }

  @Test
  @Order(6)
  void twoHundredConcurrentConnections() {
    assumeTool("curl");
    String script = "i=0; while [ $i -lt 200 ]; do "
        + "curl -s --noproxy '*' --max-time 30 -o /dev/null -w '%{http_code}\\n' " + url("/small") + " & "
        + "i=$((i+1)); done; wait";
    long t0 = System.nanoTime();
    Ns.Result r = ns.sh(Duration.ofSeconds(90), script);
    System.out.printf("200 concurrent fetches took %.2f s%n", (System.nanoTime() - t0) / 1e9);
    assertFalse(r.timedOut(), r.toString());
    List<String> codes = Arrays.stream(r.output().split("\n")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    long ok = codes.stream().filter("200"::equals).count();
    if (ok != 200) System.out.println(r);
    assertEquals(200, ok, "HTTP 200 answers out of 200: " + codes.stream().distinct().toList() + "\n" + r);
    assertEquals(200, codes.size(), r.toString());
  }

  @Test
  @Order(7)
  void forwardAHostPortToTheGuest() throws Exception {
    Path www = Files.createDirectories(tmp.resolve("www"));
    Files.writeString(www.resolve("index.html"), "from the guest");
    Path log = tmp.resolve("httpd.log");
    Process httpd = ns.start(log, "busybox", "httpd", "-f", "-p", "8080", "-h", www.toString());
    try {
      assertTrue(ns.waitListening(8080, Duration.ofSeconds(10)), "busybox httpd does not listen: " + Files.readString(log));
      VpnKit.Forward f = vk.expose("tcp", "127.0.0.1", 0, 8080);
      assertNotNull(f);
      int hostPort = f.hostPort();
      assertTrue(hostPort > 0, "bound host port " + f);
      assertTrue(vk.forwards().stream().anyMatch(x -> x.hostPort() == hostPort && x.protocol().equals("tcp")),
          "forwards() " + vk.forwards());

      try (HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
          .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
        HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/"))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), "status; httpd log: " + Files.readString(log));
        assertEquals("from the guest", resp.body().trim());
      }

      assertTrue(vk.unexpose("tcp", "127.0.0.1", hostPort), "unexpose");
      assertFalse(vk.forwards().stream().anyMatch(x -> x.hostPort() == hostPort && x.protocol().equals("tcp")),
          "forwards() after unexpose " + vk.forwards());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", hostPort), 2000);
        fail("127.0.0.1:" + hostPort + " still accepts connections after unexpose");
      } catch (ConnectException expected) {
        // refused
      }
    } finally {
      Ns.kill(httpd);
    }
  }

  @Test
  @Order(8)
  @Timeout(60)
  void aSlowReaderDoesNotStallOtherFlows() throws Exception {
    assumeTool("curl");
    Path log = tmp.resolve("slow.log");
    Process slow = ns.start(log, "curl", "-sS", "--noproxy", "*", "--limit-rate", "10k", "-o", "/dev/null", url("/big"));
    try {
      Thread.sleep(3000); // the host side has long filled every buffer towards the slow guest
      assertTrue(slow.isAlive(), "the slow download ended early: " + Files.readString(log));
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        Ns.Result r = ns.exec(Duration.ofSeconds(10), "curl", "-sS", "--noproxy", "*", "--max-time", "5", url("/small"));
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.printf("small fetch beside a slow reader: %.3f s%n", took);
        assertTrue(r.ok(), r.toString());
        assertEquals("ok", r.output().trim(), r.toString());
        assertTrue(took < 5, "took " + took + " s");
      }
      assertTrue(slow.isAlive(), "the slow download ended early: " + Files.readString(log));
    } finally {
      Ns.kill(slow);
    }
  }

  // ---- helpers

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The tap, closed at most once (whether or not VpnKit.close() closes its link). */
  static final class OnceLink implements FrameLink {
    private final TapLink tap;
    private final AtomicBoolean closed = new AtomicBoolean();

    OnceLink(TapLink tap) {
      this.tap = tap;
    }

    @Override
    public void send(byte[] frame) throws IOException {
      tap.send(frame);
    }

    @Override
    public void start(Consumer<byte[]> receiver) {
      tap.start(receiver);
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) tap.close();
    }
  }
}
