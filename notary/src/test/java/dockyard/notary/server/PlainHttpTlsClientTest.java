package dockyard.notary.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS client against the plain-HTTP server: it must fail at once (not at its handshake timeout)
 * and, where the client shows the server's answer, learn that the server is plain HTTP and how to
 * turn TLS on. Plain HTTP through the same port keeps working.
 */
class PlainHttpTlsClientTest {
  /** Far below any client's handshake timeout (Go: 10 s, curl: its connect timeout), with room for a loaded machine. */
  static final long FAST_MS = 1000;

  @TempDir Path tmp;

  /** A client that would accept any certificate: only the server's lack of TLS can make it fail. */
  static SSLContext trustAll() throws Exception {
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return c;
  }

  @Test
  void javaTlsClientFailsAtOnce() throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0), log::add, Persistence.memory())) {
      long t0 = System.nanoTime();
      try (SSLSocket c = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", s.port())) {
        c.setSoTimeout(15_000); // the old behaviour: a hang until this fired
        SSLException e = assertThrows(SSLException.class, c::startHandshake);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < FAST_MS, "the handshake failed after " + ms + " ms: " + e);
        assertTrue(String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message"), e.toString());
      }
      // the server says why in its log
      for (int i = 0; i < 50 && log.isEmpty(); i++) Thread.sleep(20);
      assertTrue(log.stream().anyMatch(l -> l.contains("TLS handshake") && l.contains("plain HTTP") && l.contains("--tls-cert")), log.toString());
    }
  }

  @Test
  void ourOwnClientSaysTheServerIsPlainHttp() throws Exception {
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      var remote = new dockyard.notary.client.NotaryRemote(URI.create("https://127.0.0.1:" + s.port()), "example.com/app", trustAll());
      long t0 = System.nanoTime();
      IOException e = assertThrows(IOException.class, () -> remote.metadata("root", null));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 5 * FAST_MS, "failed after " + ms + " ms: " + e); // the first TLS use in a JVM loads its classes
      assertTrue(e.getMessage().contains("the server answers in plain HTTP: use http://127.0.0.1:" + s.port()), e.getMessage());
    }
  }

  @Test
  void aClientHelloIsAnsweredWithAPlainHttpExplanation() throws Exception {
    // a real ClientHello, as the JDK's TLS engine makes it
    SSLEngine engine = trustAll().createSSLEngine("127.0.0.1", 4443);
    engine.setUseClientMode(true);
    ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), hello);
    hello.flip();
    assertEquals(0x16, hello.get(0) & 0xff, "a handshake record");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0)); Socket c = new Socket("127.0.0.1", s.port())) {
      c.setSoTimeout(5000);
      c.getOutputStream().write(hello.array(), 0, hello.limit());
      String reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(reply.startsWith("HTTP/1.0 400 Bad Request\r\n"), reply);
      assertTrue(reply.contains("speaks plain HTTP") && reply.contains("http://127.0.0.1:" + s.port()) && reply.contains("--tls-cert") && reply.contains("--tls-key"), reply);
    }
  }

  @Test
  void plainHttpStillWorksAndKeepsConnectionsAlive() throws Exception {
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v2/x/_trust/tuf/root.json")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("METADATA_NOT_FOUND"), missing.body());
      }
    }
  }

  record Run(int exit, String out, long ms) {}

  static Run run(List<String> cmd) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    return new Run(p.waitFor(), out, (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  void curlOverHttpsFailsAtOnce() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed (Debian package curl)");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      Run r = run(List.of("curl", "-sS", "--max-time", "15", "-k", "https://127.0.0.1:" + s.port() + "/v2/"));
      assertEquals(35, r.exit(), "curl's TLS handshake error, not its timeout (28): " + r.out());
      assertTrue(r.ms() < FAST_MS, "curl failed after " + r.ms() + " ms: " + r.out());
    }
  }

  @Test
  void notaryCliOverHttpsFailsAtOnceSayingTheServerIsPlainHttp() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/notary")), "the notary CLI is not installed (Debian package notary)");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      Run r = run(List.of("notary", "-s", "https://127.0.0.1:" + s.port(), "-d", tmp.resolve("trust").toString(), "list", "example.com/app"));
      assertNotEquals(0, r.exit(), r.out());
      // Go's HTTP client recognises the HTTP answer (the same text Docker Content Trust shows)
      assertTrue(r.out().contains("server gave HTTP response to HTTPS client"), r.out());
      assertTrue(r.ms() < FAST_MS, "notary failed after " + r.ms() + " ms: " + r.out());
    }
  }

  @Test
  void aBusyAddressIsNamed() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      InetSocketAddress a = new InetSocketAddress("127.0.0.1", busy.getLocalPort());
      IOException plain = assertThrows(BindException.class, () -> NotaryServer.start(a));
      assertEquals("127.0.0.1:" + busy.getLocalPort() + ": address already in use", plain.getMessage());
    }
  }

  static void openssl(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
  }

  @Test
  void theTlsPortServesHttpsAndAnswersPlainHttpAtOnce() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")) && Files.isExecutable(Path.of("/usr/bin/curl")), "openssl and curl are needed");
    openssl(tmp, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.crt",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1");
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0), m -> {}, Persistence.memory(),
        NotaryServer.tls(tmp.resolve("srv.crt"), tmp.resolve("srv.key")))) {
      String url = "https://127.0.0.1:" + s.port() + "/v2/";
      // two requests on one kept-alive TLS connection
      Run ok = run(List.of("curl", "-sS", "--max-time", "15", "--cacert", tmp.resolve("srv.crt").toString(), "-w", " %{http_code} %{num_connects}\n", url, url));
      assertEquals(0, ok.exit(), ok.out());
      assertEquals(List.of("{} 200 1", "{} 200 0"), ok.out().lines().toList());
      // plain HTTP to the TLS port: Go's (notary-server's) answer, at once
      Run plain = run(List.of("curl", "-sS", "--max-time", "15", "-w", " %{http_code}", "http://127.0.0.1:" + s.port() + "/v2/"));
      assertEquals("Client sent an HTTP request to an HTTPS server.\n 400", plain.out());
      assertTrue(plain.ms() < FAST_MS, "answered after " + plain.ms() + " ms");
    }
  }

  /** Raw HTTP/1.x on one connection: what curl, Go and the JDK's client each send in some case. */
  @Test
  void chunkedBodiesContinueAndHttp10() throws Exception {
    try (NotaryServer s = NotaryServer.start(new InetSocketAddress("127.0.0.1", 0)); Socket c = new Socket("127.0.0.1", s.port())) {
      c.setSoTimeout(5000);
      var in = new java.io.BufferedInputStream(c.getInputStream());
      var out = c.getOutputStream();
      // a chunked POST of a malformed update: the body is read to its end, the error is notary's JSON
      out.write(("POST /v2/example.com/x/_trust/tuf/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\n--b\r\n\r\n3\r\nxyz\r\n0\r\nTrailer: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String[] first = response(in);
      assertEquals("HTTP/1.1 400 Bad Request", first[0]);
      assertTrue(first[1].contains("MALFORMED_UPLOAD"), first[1]);
      // Expect: 100-continue (curl's for large POSTs): the interim answer first
      out.write("GET /v2/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertEquals("HTTP/1.1 100 Continue", readLine(in));
      assertEquals("", readLine(in));
      out.write("{}".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertEquals("HTTP/1.1 200 OK", response(in)[0]);
      // HTTP/1.0 without keep-alive: answered, then closed
      out.write("GET /v2/nothing HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String[] last = response(in);
      assertEquals("HTTP/1.1 404 Not Found", last[0]);
      assertEquals(-1, in.read(), "closed after an HTTP/1.0 request");
    }
  }

  static String readLine(java.io.InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int ch; (ch = in.read()) != '\n'; ) {
      if (ch < 0) throw new java.io.EOFException(b.toString());
      if (ch != '\r') b.append((char) ch);
    }
    return b.toString();
  }

  /** Status line and body of one response with a Content-Length. */
  static String[] response(java.io.InputStream in) throws IOException {
    String status = readLine(in);
    int length = 0;
    for (String h; !(h = readLine(in)).isEmpty(); ) {
      if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
    }
    return new String[] {status, new String(in.readNBytes(length), StandardCharsets.UTF_8)};
  }
}
