package dockyard.notary.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The metadata GETs' HTTP/1.1 client against a loopback server that answers in each framing a notary server may use. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlainHttpTest {
  /** A server answering each request line with what {@code reply} gives (hanging up on ""), counting connections; closes after a "Connection: close" or HTTP/1.0 reply. */
  private record Server(ServerSocket socket, AtomicInteger connections, List<String> requests) implements AutoCloseable {
    static Server start(Function<String, String> reply) throws IOException {
      ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Server s = new Server(ss, new AtomicInteger(), new CopyOnWriteArrayList<>());
      Thread.ofVirtual().start(() -> {
        while (true) {
          Socket c;
          try {
            c = ss.accept();
          } catch (IOException e) {
            return;
          }
          s.connections.incrementAndGet();
          Thread.ofVirtual().start(() -> {
            try (c) {
              BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
              OutputStream out = c.getOutputStream();
              for (String line; (line = in.readLine()) != null; ) {
                String request = line;
                while (!(line = in.readLine()).isEmpty()) {
                  // headers
                }
                s.requests.add(request);
                String r = reply.apply(request);
                if (r.isEmpty()) return; // hangs up instead of answering
                out.write(r.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (r.contains("Connection: close") || r.startsWith("HTTP/1.0")) return;
              }
            } catch (IOException | NullPointerException e) {
              // the client went away
            }
          });
        }
      });
      return s;
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    @Override public void close() throws IOException {
      socket.close();
    }
  }

  @Test void contentLengthBodiesReuseOneConnection() throws Exception {
    try (Server s = Server.start(r -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")) {
      PlainHttp h = new PlainHttp(s.uri("/"));
      for (int i = 0; i < 3; i++) {
        PlainHttp.Response r = h.get(s.uri("/v2/g/_trust/tuf/root.json"), 100);
        assertEquals(200, r.status());
        assertArrayEquals("hello".getBytes(), r.body());
      }
      assertEquals(1, s.connections().get(), "kept alive");
      assertEquals("GET /v2/g/_trust/tuf/root.json HTTP/1.1", s.requests().get(0));
      h.closeIdle();
    }
  }

  @Test void chunkedBodiesAsNotaryServerSendsThem() throws Exception {
    try (Server s = Server.start(r -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n")) {
      PlainHttp h = new PlainHttp(s.uri("/"));
      assertArrayEquals("hello, world".getBytes(), h.get(s.uri("/a"), 100).body());
      assertArrayEquals("hello, world".getBytes(), h.get(s.uri("/b"), 100).body());
      assertEquals(1, s.connections().get());
    }
  }

  @Test void aBodyOverTheLimitIsCutThereAndItsConnectionDropped() throws Exception {
    String big = "x".repeat(1000);
    try (Server s = Server.start(r -> r.contains("/chunked") ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + big + "\r\n0\r\n\r\n"
        : "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + big)) {
      PlainHttp h = new PlainHttp(s.uri("/"));
      assertEquals(11, h.get(s.uri("/length"), 11).body().length);
      assertEquals(11, h.get(s.uri("/chunked"), 11).body().length);
      assertEquals(2, s.connections().get(), "a connection left mid-body is not reused");
    }
  }

  @Test void closeAndErrorsAndAServerThatDroppedAKeptConnection() throws Exception {
    AtomicInteger n = new AtomicInteger();
    try (Server s = Server.start(r -> n.incrementAndGet() % 2 == 1
        ? "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        : "HTTP/1.0 200 OK\r\n\r\nuntil close")) {
      PlainHttp h = new PlainHttp(s.uri("/"));
      assertEquals(404, h.get(s.uri("/a"), 100).status());
      PlainHttp.Response r = h.get(s.uri("/b"), 100);
      assertEquals(200, r.status());
      assertArrayEquals("until close".getBytes(), r.body());
      assertEquals(2, s.connections().get());
    }
    AtomicInteger replies = new AtomicInteger();
    try (Server s = Server.start(r -> replies.incrementAndGet() == 1 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" : "")) {
      PlainHttp h = new PlainHttp(s.uri("/"));
      assertArrayEquals("ok".getBytes(), h.get(s.uri("/a"), 100).body());
      // the server now hangs up on every request: the kept connection fails, and so does the retry on a new one
      assertThrows(IOException.class, () -> h.get(s.uri("/b"), 100));
    }
  }

  @Test void aServerThatIsNotThereIsUnreachable() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    PlainHttp h = new PlainHttp(URI.create("http://127.0.0.1:" + port + "/"));
    NotaryRemote.Unreachable e = assertThrows(NotaryRemote.Unreachable.class, () -> h.get(URI.create("http://127.0.0.1:" + port + "/x"), 10));
    assertTrue(e.getMessage().startsWith("cannot reach the notary server at http://127.0.0.1:" + port + "/"), e.getMessage());
  }
}
