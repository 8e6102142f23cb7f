package dockyard.notary.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The HTTP/1.1 server under notary-server's API: one virtual thread per connection, keep-alive,
 * Content-Length and chunked request bodies, {@code Expect: 100-continue}, each response written
 * with its length in one flush (TCP_NODELAY, so no response waits for a delayed ACK).
 *
 * <p>It looks at the first byte of every connection, which is what lets it answer the wrong
 * protocol at once instead of leaving the client to a timeout (the JDK's HttpServer waits for a
 * CRLF a TLS ClientHello never sends, so a TLS client hung until its handshake timeout):
 * <ul>
 *   <li>plain HTTP, and a TLS handshake record arrives (0x16; no HTTP method starts with it): an
 *       HTTP 400 saying the server speaks plain HTTP and how to turn TLS on. Every TLS client
 *       rejects it at once: Go's HTTP client reports "server gave HTTP response to HTTPS client",
 *       OpenSSL "wrong version number", the JDK "Unsupported or unrecognized SSL message".</li>
 *   <li>HTTPS, and plain text arrives: an HTTP 400 "Client sent an HTTP request to an HTTPS
 *       server.", as Go's server (and so notary-server) answers.</li>
 * </ul>
 */
final class Http1Server implements AutoCloseable {
  /** A TLS record's content type for handshake messages: the first byte of every ClientHello. */
  static final int TLS_HANDSHAKE = 0x16;
  static final int MAX_LINE = 16 << 10;
  static final int MAX_HEADERS = 64 << 10;
  /** How long a kept-alive connection may sit idle, and a request or handshake may stall. */
  static final int IDLE_MS = 120_000;

  /** One request and its response: the handler calls {@link #respond} once. */
  interface Exchange {
    String method();

    /** The request target's path, percent-decoded. */
    String path();

    /** A request header (case-insensitive name), or null. */
    String header(String name);

    /** The request body (empty when there is none); what the handler leaves unread is discarded. */
    InputStream body();

    void respond(int status, String contentType, byte[] body) throws IOException;
  }

  interface Handler {
    void handle(Exchange ex) throws IOException;
  }

  private final ServerSocket server;
  private final SSLContext tls;
  private final Handler handler;
  private final Consumer<String> log;
  private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet(); // closed with the server

  private Http1Server(ServerSocket server, SSLContext tls, Handler handler, Consumer<String> log) {
    this.server = server;
    this.tls = tls;
    this.handler = handler;
    this.log = log;
  }

  /** Binds {@code listen} (a busy address is named in the error) and serves until {@link #close()}. */
  static Http1Server start(InetSocketAddress listen, SSLContext tls, Handler handler, Consumer<String> log) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true);
      s.bind(listen, 128);
    } catch (IOException e) {
      s.close();
      throw NotaryServer.bindError(listen, e);
    }
    Http1Server h = new Http1Server(s, tls, handler, log);
    Thread.ofVirtual().name("notary-accept").start(h::accept);
    return h;
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket c;
      try {
        c = server.accept();
      } catch (IOException e) {
        if (server.isClosed()) return;
        try {
          Thread.sleep(50); // e.g. out of file descriptors: keep serving once some are free
        } catch (InterruptedException stop) {
          return;
        }
        continue;
      }
      Thread.ofVirtual().start(() -> connection(c));
    }
  }

  private void connection(Socket raw) {
    open.add(raw);
    if (server.isClosed()) closeQuietly(raw);
    try (raw) {
      raw.setTcpNoDelay(true);
      raw.setSoTimeout(IDLE_MS);
      InputStream rawIn = raw.getInputStream();
      int first = rawIn.read();
      if (first < 0) return;
      boolean tlsHello = first == TLS_HANDSHAKE;
      if (tls == null && tlsHello) {
        refuseTls(raw, rawIn);
        return;
      }
      if (tls != null && !tlsHello) {
        // Go's answer (notary-server's): the client learns it should use https://
        plainReply(raw.getOutputStream(), 400, "Client sent an HTTP request to an HTTPS server.\n");
        return;
      }
      byte[] consumed = {(byte) first};
      if (tls != null) {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, new ByteArrayInputStream(consumed), true);
        try (s) {
          serve(new BufferedInputStream(s.getInputStream(), 16 << 10), s.getOutputStream());
        }
      } else {
        serve(new BufferedInputStream(new SequenceInputStream(new ByteArrayInputStream(consumed), rawIn), 16 << 10), raw.getOutputStream());
      }
    } catch (IOException e) {
      // the client went away, timed out, or failed its TLS handshake: nothing to tell it
    } catch (RuntimeException e) {
      log.accept("connection from " + raw.getRemoteSocketAddress() + " ended by an error: " + e); // the connection is closed; the server goes on
    } finally {
      open.remove(raw);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }

  /** Requests on one connection until it closes, asks to close, or sends something that is not HTTP/1.x. */
  private void serve(InputStream in, OutputStream out) throws IOException {
    while (true) {
      String line;
      try {
        line = readLine(in);
      } catch (SocketTimeoutException idle) {
        return;
      }
      if (line == null) return;
      if (line.isEmpty()) continue; // a stray CRLF between requests is allowed (RFC 9112 2.2)
      String[] start = line.split(" ");
      if (start.length != 3 || !start[2].startsWith("HTTP/1.")) {
        plainReply(out, 400, "malformed request line\n");
        return;
      }
      Map<String, String> headers = readHeaders(in);
      if (headers == null) {
        plainReply(out, 431, "request headers too large\n");
        return;
      }
      String path;
      try {
        URI target = URI.create(start[1]);
        path = target.getPath();
        if (path == null) throw new IllegalArgumentException("no path");
      } catch (IllegalArgumentException e) {
        plainReply(out, 400, "malformed request target\n");
        return;
      }
      String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
      boolean keepAlive = start[2].equals("HTTP/1.1") ? !connection.contains("close") : connection.contains("keep-alive");
      InputStream body;
      String te = headers.get("transfer-encoding");
      if (te != null) {
        if (!te.toLowerCase(Locale.ROOT).equals("chunked")) {
          plainReply(out, 501, "unsupported transfer-encoding\n");
          return;
        }
        body = new Chunked(in);
      } else if (headers.containsKey("content-length")) {
        long n;
        try {
          n = Long.parseLong(headers.get("content-length").trim());
          if (n < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
          plainReply(out, 400, "bad content-length\n");
          return;
        }
        body = new Bounded(in, n);
      } else {
        body = InputStream.nullInputStream();
      }
      if ("100-continue".equalsIgnoreCase(headers.getOrDefault("expect", ""))) {
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      Ex ex = new Ex(start[0], path, headers, body, out, keepAlive);
      ex.http10 = start[2].equals("HTTP/1.0");
      handler.handle(ex);
      if (!ex.responded) ex.respond(500, "text/plain; charset=utf-8", "no response\n".getBytes(StandardCharsets.UTF_8));
      if (!ex.keepAlive) return;
      // the unread rest of the body, if short, is skipped so the next request can be read
      if (body.skip(1 << 20) >= 1 << 20 || body.read() >= 0) return;
    }
  }

  private final class Ex implements Exchange {
    final String method;
    final String path;
    final Map<String, String> headers;
    final InputStream body;
    final OutputStream out;
    boolean keepAlive;
    boolean http10;
    boolean responded;

    Ex(String method, String path, Map<String, String> headers, InputStream body, OutputStream out, boolean keepAlive) {
      this.method = method;
      this.path = path;
      this.headers = headers;
      this.body = body;
      this.out = out;
      this.keepAlive = keepAlive;
    }

    @Override public String method() {
      return method;
    }

    @Override public String path() {
      return path;
    }

    @Override public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override public InputStream body() {
      return body;
    }

    @Override public void respond(int status, String contentType, byte[] b) throws IOException {
      if (responded) throw new IllegalStateException("already responded");
      responded = true;
      StringBuilder h = new StringBuilder(160).append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
      if (contentType != null) h.append("Content-Type: ").append(contentType).append("\r\n");
      h.append("Content-Length: ").append(b.length).append("\r\n");
      if (!keepAlive) h.append("Connection: close\r\n");
      else if (http10) h.append("Connection: keep-alive\r\n");
      h.append("\r\n");
      byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
      if (method.equals("HEAD")) {
        out.write(head);
      } else if (head.length + b.length <= 64 << 10) {
        // one write, so a small response leaves in one segment
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        out.write(all);
      } else {
        out.write(head);
        out.write(b);
      }
      out.flush();
    }
  }

  static String reason(int status) {
    return switch (status) {
      case 100 -> "Continue";
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 413 -> "Payload Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      default -> "Status " + status;
    };
  }

  /** A reply that ends the connection, for requests that cannot be served at all. */
  private static void plainReply(OutputStream out, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.0 " + status + " " + reason(status) + "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " + b.length
        + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(b);
    out.flush();
  }

  /**
   * The answer to a ClientHello on the plain port. The hello is read first (its record header
   * gives its length) so that closing does not reset the connection before the client has read
   * the reply.
   */
  private void refuseTls(Socket client, InputStream in) throws IOException {
    client.setSoTimeout(1000);
    try {
      byte[] header = in.readNBytes(4); // version (2) and length (2) after the content type
      if (header.length == 4) in.readNBytes(Math.min(((header[2] & 0xff) << 8) | (header[3] & 0xff), 1 << 14));
    } catch (SocketTimeoutException slow) {
      // answer anyway
    }
    String host = client.getLocalAddress().getHostAddress();
    String where = (host.contains(":") ? "[" + host + "]" : host) + ":" + client.getLocalPort();
    plainReply(client.getOutputStream(), 400, "This notary server speaks plain HTTP, not TLS: use http://" + where + " as the server URL, or serve HTTPS with "
        + "`dockyard notary serve --tls-cert CERT --tls-key KEY` (notary-server's server.tls_cert_file and server.tls_key_file).\n");
    client.shutdownOutput();
    log.accept(client.getInetAddress().getHostAddress() + ":" + client.getPort() + " began a TLS handshake; this server speaks plain HTTP"
        + " (serve HTTPS with --tls-cert and --tls-key)");
    try {
      in.skip(1 << 16); // whatever else the client sends before it closes
    } catch (IOException e) {
      // gone
    }
  }

  /** A line ended by LF (a CR before it dropped); null at end of stream before any byte. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (b.size() >= MAX_LINE) throw new IOException("line too long");
      b.write(c);
    }
    if (c < 0 && b.size() == 0) return null;
    if (c < 0) throw new EOFException("connection closed inside a line");
    byte[] a = b.toByteArray();
    int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
    return new String(a, 0, n, StandardCharsets.ISO_8859_1);
  }

  /** Header fields up to the empty line, names lower-cased, repeated fields joined by ", "; null when too large. */
  static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> h = new HashMap<>();
    int total = 0;
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      total += line.length();
      if (total > MAX_HEADERS) return null;
      int colon = line.indexOf(':');
      if (colon <= 0) continue;
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      h.merge(name, value, (a, b) -> a + ", " + b);
    }
    if (line == null) throw new EOFException("connection closed inside the headers");
    return h;
  }

  /** A Content-Length body. */
  static final class Bounded extends InputStream {
    private final InputStream in;
    private long left;

    Bounded(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override public int read() throws IOException {
      if (left <= 0) return -1;
      int c = in.read();
      if (c < 0) throw new EOFException("request body ended early");
      left--;
      return c;
    }

    @Override public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) return -1;
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) throw new EOFException("request body ended early");
      left -= n;
      return n;
    }
  }

  /** A chunked body (RFC 9112 7.1); chunk extensions and trailers are read and ignored. */
  static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    private boolean next() throws IOException {
      if (done) return false;
      if (left > 0) return true;
      String size = readLine(in);
      if (size == null) throw new EOFException("request body ended early");
      int semi = size.indexOf(';');
      try {
        left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size");
      }
      if (left == 0) {
        while (true) { // trailers, up to the empty line
          String t = readLine(in);
          if (t == null || t.isEmpty()) break;
        }
        done = true;
        return false;
      }
      return true;
    }

    @Override public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override public int read(byte[] b, int off, int len) throws IOException {
      if (!next()) return -1;
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) throw new EOFException("request body ended early");
      left -= n;
      if (left == 0 && readLine(in) == null) throw new EOFException("request body ended early"); // the CRLF after the chunk
      return n;
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing a listener does not fail in a way worth reporting
    }
    for (Socket s : open) closeQuietly(s); // kept-alive connections end with the server, as the JDK server's did
  }
}
