package dockyard.vpnkit.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.vpnkit.VpnKit;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * VPNKit's control API as HTTP/JSON on a unix socket (one request per connection), the way
 * gvisor-tap-vsock's forwarder API and VPNKit's expose-port work:
 * <pre>
 *   GET    /forwards                                   → [{"proto","hostIP","hostPort","guestIP","guestPort"}…]
 *   POST   /forwards  {"proto","hostIP","hostPort","guestPort"} → 201 and the forward (hostPort 0 picks one)
 *   DELETE /forwards?proto=tcp&amp;hostIP=127.0.0.1&amp;hostPort=8080   → 204, or 404
 *   GET    /flows                                      → [{"proto","guest","remote","state","bytesIn","bytesOut"}…]
 * </pre>
 * Errors are {"error": "..."} with 400 or 404. {@code curl --unix-socket PATH http://x/forwards} works.
 */
public final class ControlServer implements AutoCloseable {
  static final int MAX_REQUEST = 64 << 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final VpnKit vpnkit;
  private final ServerSocketChannel server;
  private final dockyard.vpnkit.link.UnixSocketFile socket;

  private ControlServer(VpnKit vpnkit, dockyard.vpnkit.link.UnixSocketFile socket) {
    this.vpnkit = vpnkit;
    this.server = socket.channel();
    this.socket = socket;
  }

  /** What answers on a control socket in use, for the error a second vpnkit gives. */
  public static final String OWNER = "another vpnkit (its control socket answers; stop it, or give this one its own --control PATH)";

  /**
   * Serves the control API on {@code socket}. A socket another vpnkit still answers on is refused
   * (it would lose its control socket otherwise); a stale one is replaced.
   */
  public static ControlServer start(VpnKit vpnkit, Path socket) throws IOException {
    Files.createDirectories(socket.toAbsolutePath().getParent());
    ControlServer c = new ControlServer(vpnkit, dockyard.vpnkit.link.UnixSocketFile.bind(socket, OWNER));
    Thread.ofVirtual().name("vpnkit-control").start(c::serve);
    return c;
  }

  private void serve() {
    try {
      while (true) {
        SocketChannel c = server.accept();
        Thread.ofVirtual().start(() -> handle(c));
      }
    } catch (IOException closed) {
      // shut down
    }
  }

  record Reply(int status, JsonNode body) {}

  private void handle(SocketChannel c) {
    try (c) {
      ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST);
      int headerEnd;
      while ((headerEnd = indexOf(buf, "\r\n\r\n")) < 0) {
        if (!buf.hasRemaining() || c.read(buf) < 0) return;
      }
      String head = new String(buf.array(), 0, headerEnd, StandardCharsets.ISO_8859_1);
      String[] lines = head.split("\r\n");
      String[] start = lines[0].split(" ");
      int length = 0;
      for (String l : lines) {
        if (l.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(l.substring(15).strip());
      }
      int bodyStart = headerEnd + 4;
      if (length < 0 || bodyStart + length > MAX_REQUEST) {
        write(c, new Reply(400, error("request too large")));
        return;
      }
      while (buf.position() < bodyStart + length) {
        if (c.read(buf) < 0) return;
      }
      String body = new String(buf.array(), bodyStart, length, StandardCharsets.UTF_8);
      write(c, start.length < 2 ? new Reply(400, error("bad request line")) : route(start[0], start[1], body));
    } catch (IOException | RuntimeException e) {
      // the client went away, or sent something we answered already
    }
  }

  private Reply route(String method, String target, String body) {
    String path = target, query = "";
    int q = target.indexOf('?');
    if (q >= 0) {
      path = target.substring(0, q);
      query = target.substring(q + 1);
    }
    try {
      return switch (method + " " + path) {
        case "GET /forwards" -> {
          ArrayNode a = JSON.createArrayNode();
          for (VpnKit.Forward f : vpnkit.forwards()) a.add(forward(f));
          yield new Reply(200, a);
        }
        case "POST /forwards" -> {
          JsonNode n = JSON.readTree(body);
          String proto = n.path("proto").asText("tcp");
          String hostIp = n.path("hostIP").asText("127.0.0.1");
          if (!n.has("guestPort")) yield new Reply(400, error("guestPort is required"));
          VpnKit.Forward f = vpnkit.expose(proto, hostIp, n.path("hostPort").asInt(0), n.path("guestPort").asInt());
          yield new Reply(201, forward(f));
        }
        case "DELETE /forwards" -> {
          Map<String, String> p = params(query);
          boolean removed = vpnkit.unexpose(p.getOrDefault("proto", "tcp"), p.getOrDefault("hostIP", "127.0.0.1"),
              Integer.parseInt(p.getOrDefault("hostPort", "-1")));
          yield removed ? new Reply(204, null) : new Reply(404, error("no such forward"));
        }
        case "GET /flows" -> {
          ArrayNode a = JSON.createArrayNode();
          for (VpnKit.Flow f : vpnkit.flows()) {
            a.addObject().put("proto", f.protocol()).put("guest", f.guest()).put("remote", f.remote()).put("state", f.state())
                .put("bytesIn", f.bytesIn()).put("bytesOut", f.bytesOut());
          }
          yield new Reply(200, a);
        }
        default -> new Reply(404, error("no route " + method + " " + path));
      };
    } catch (IOException | RuntimeException e) {
      return new Reply(400, error(e.getMessage() == null ? e.toString() : e.getMessage()));
    }
  }

  private static ObjectNode forward(VpnKit.Forward f) {
    return JSON.createObjectNode().put("proto", f.protocol()).put("hostIP", f.hostAddress()).put("hostPort", f.hostPort())
        .put("guestIP", f.guestAddress()).put("guestPort", f.guestPort());
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static Map<String, String> params(String query) {
    Map<String, String> m = new HashMap<>();
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  private static void write(SocketChannel c, Reply r) throws IOException {
    byte[] body = r.body() == null ? new byte[0] : JSON.writeValueAsBytes(r.body());
    String reason = switch (r.status()) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 404 -> "Not Found";
      default -> "Bad Request";
    };
    String head = "HTTP/1.1 " + r.status() + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n";
    ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
    out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(body).flip();
    while (out.hasRemaining()) c.write(out);
  }

  private static int indexOf(ByteBuffer b, String s) {
    byte[] a = b.array();
    byte[] p = s.getBytes(StandardCharsets.ISO_8859_1);
    outer:
    for (int i = 0; i + p.length <= b.position(); i++) {
      for (int j = 0; j < p.length; j++) if (a[i + j] != p[j]) continue outer;
      return i;
    }
    return -1;
  }

  /** A request to a control socket: returns status and body ("" when none). */
  public static String[] request(Path socket, String method, String target, String json) throws IOException {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      try {
        c.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new IOException("cannot reach the vpnkit control socket " + socket + " (is `dockyard vpnkit` running?): " + e.getMessage());
      }
      byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + target + " HTTP/1.1\r\nHost: vpnkit\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n";
      ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
      out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(body).flip();
      while (out.hasRemaining()) c.write(out);
      ByteBuffer in = ByteBuffer.allocate(1 << 20);
      while (c.read(in) >= 0 && in.hasRemaining()) { }
      String resp = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
      int sp = resp.indexOf(' ');
      int end = resp.indexOf("\r\n\r\n");
      return new String[] {resp.substring(sp + 1, sp + 4), end < 0 ? "" : resp.substring(end + 4)};
    }
  }

  @Override
  public void close() throws IOException {
    socket.close(); // removes the socket file only if it is still ours
  }
}
