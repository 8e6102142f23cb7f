package dockyard.notary.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * HTTP/1.1 GETs over blocking sockets kept alive in a small pool: what a client update's metadata
 * downloads from a plain-http server need. The JDK's HttpClient passes each exchange between the
 * caller and its selector thread several times, and on a busy machine every hand-over waits for a
 * CPU: a fresh client's five sequential downloads (root, timestamp, snapshot, targets) paid that
 * on its critical path. Bodies by Content-Length, chunked, or until close; at most {@code limit}
 * bytes are read (the caller refuses more). https keeps the HttpClient (TLS, trust).
 */
final class PlainHttp {
  record Response(int status, byte[] body) {}

  private final InetSocketAddress address;
  private final String host;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

  PlainHttp(URI base) {
    int port = base.getPort() == -1 ? 80 : base.getPort();
    String h = base.getHost();
    // an IPv6 literal comes bracketed, as the Host header wants it; the socket wants it bare
    this.address = InetSocketAddress.createUnresolved(h.startsWith("[") ? h.substring(1, h.length() - 1) : h, port);
    this.host = base.getPort() == -1 ? base.getHost() : base.getHost() + ":" + port;
  }

  /** Closes the kept-alive connections (an update is done; a resident JVM must not hold them for the server). */
  void closeIdle() {
    for (Connection c; (c = idle.pollFirst()) != null; ) c.close();
  }

  private record Connection(Socket socket, InputStream in, OutputStream out) {
    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  Response get(URI uri, long limit) throws IOException {
    String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    byte[] request = ("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: dockyard-notary\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    Connection c = idle.pollFirst();
    if (c != null) {
      try {
        return exchange(c, request, limit);
      } catch (IOException stale) {
        c.close(); // a kept-alive connection the server has closed meanwhile: once more on a new one
      }
    }
    return exchange(open(), request, limit);
  }

  private Connection open() throws IOException {
    Socket s = new Socket();
    try {
      InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
      if (resolved.isUnresolved()) throw new java.net.UnknownHostException(address.getHostString());
      s.connect(resolved, 10_000);
      s.setTcpNoDelay(true);
      return new Connection(s, new BufferedInputStream(s.getInputStream(), 1 << 16), s.getOutputStream());
    } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.NoRouteToHostException e) {
      s.close();
      throw new NotaryRemote.Unreachable("cannot reach the notary server at http://" + host + "/: "
          + (e instanceof java.net.UnknownHostException ? "unknown host " : "") + (e.getMessage() == null ? "connection refused" : e.getMessage()));
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private Response exchange(Connection c, byte[] request, long limit) throws IOException {
    boolean ok = false;
    try {
      c.out().write(request);
      c.out().flush();
      String status = line(c.in());
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + status);
      int code;
      try {
        code = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("not an HTTP response: " + status);
      }
      long length = -1;
      boolean chunked = false, close = parts[0].equals("HTTP/1.0");
      for (String h; !(h = line(c.in())).isEmpty(); ) {
        int colon = h.indexOf(':');
        if (colon < 0) continue;
        String k = h.substring(0, colon).trim().toLowerCase(Locale.ROOT), v = h.substring(colon + 1).trim();
        switch (k) {
          case "content-length" -> {
            try {
              length = Long.parseLong(v);
            } catch (NumberFormatException e) {
              throw new IOException("bad Content-Length: " + v);
            }
          }
          case "transfer-encoding" -> chunked = v.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> close = v.toLowerCase(Locale.ROOT).contains("close") || (close && !v.toLowerCase(Locale.ROOT).contains("keep-alive"));
          default -> { }
        }
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 && length <= limit ? (int) length : 8192);
      boolean complete;
      if (code == 204 || code == 304 || code / 100 == 1) {
        complete = true;
      } else if (chunked) {
        complete = chunks(c.in(), body, limit);
      } else if (length >= 0) {
        complete = copy(c.in(), body, Math.min(length, limit)) && length <= limit;
        if (!complete && body.size() < Math.min(length, limit)) throw new EOFException("the server closed the connection mid-body");
      } else {
        copy(c.in(), body, limit);
        complete = false; // until close: the connection is done
      }
      ok = complete && !close;
      return new Response(code, body.toByteArray());
    } finally {
      if (ok) idle.addFirst(c);
      else c.close();
    }
  }

  /** Up to {@code n} bytes into {@code out}; whether all {@code n} came. */
  private static boolean copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) return false;
      out.write(buf, 0, r);
      n -= r;
    }
    return true;
  }

  /** A chunked body, at most {@code limit} bytes of it; whether it ended within the limit. */
  private static boolean chunks(InputStream in, ByteArrayOutputStream out, long limit) throws IOException {
    while (true) {
      String size = line(in);
      int semi = size.indexOf(';');
      long n;
      try {
        n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + size);
      }
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return true;
      }
      long room = limit - out.size();
      if (!copy(in, out, Math.min(n, room))) throw new EOFException("the server closed the connection mid-body");
      if (n > room) return false;
      line(in); // the chunk's CRLF
    }
  }

  /** One header line without its CRLF (LF alone accepted), at most 64 KiB. */
  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) throw new EOFException("the server closed the connection");
      if (s.length() > 65536) throw new IOException("an HTTP header line over 64 KiB");
      s.append((char) b);
    }
    int end = s.length();
    if (end > 0 && s.charAt(end - 1) == '\r') s.setLength(end - 1);
    return s.toString();
  }
}
