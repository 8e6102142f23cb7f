package dockyard.notary.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The public listener of a plain-HTTP notary server. The JDK's HTTP server waits for a CRLF that
 * a TLS ClientHello never sends, so a TLS client (Docker Content Trust, {@code notary -s https://…})
 * hung until its own handshake timeout. This listener looks at each connection's first byte: a TLS
 * handshake record (0x16; no HTTP method starts with it) is answered at once with an HTTP 400 that
 * says the server speaks plain HTTP, which every TLS client rejects immediately (Go's HTTP client
 * reports "server gave HTTP response to HTTPS client", OpenSSL "wrong version number" or "packet
 * length too long", the JDK "Unsupported or unrecognized SSL message"); anything else is spliced,
 * byte for byte, to the HTTP server on an internal loopback port.
 */
final class PlainFront implements AutoCloseable {
  /** A TLS record's content type for handshake messages: the first byte of every ClientHello. */
  static final int TLS_HANDSHAKE = 0x16;

  private final ServerSocket server;
  private final InetSocketAddress backend;
  private final Consumer<String> log;

  private PlainFront(ServerSocket server, InetSocketAddress backend, Consumer<String> log) {
    this.server = server;
    this.backend = backend;
    this.log = log;
  }

  /** Binds {@code listen} (a busy address is named in the error) and starts accepting for {@code backend}. */
  static PlainFront start(InetSocketAddress listen, InetSocketAddress backend, Consumer<String> log) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true);
      s.bind(listen, 64);
    } catch (IOException e) {
      s.close();
      throw NotaryServer.bindError(listen, e);
    }
    PlainFront f = new PlainFront(s, backend, log);
    Thread.ofVirtual().name("notary-accept").start(f::accept);
    return f;
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
      Thread.ofVirtual().start(() -> serve(c));
    }
  }

  private void serve(Socket client) {
    try (client) {
      client.setTcpNoDelay(true);
      InputStream in = client.getInputStream();
      int first = in.read();
      if (first < 0) return;
      if (first == TLS_HANDSHAKE) {
        refuseTls(client, in);
        return;
      }
      try (Socket back = new Socket()) {
        back.setTcpNoDelay(true);
        back.connect(backend);
        OutputStream toBack = back.getOutputStream();
        toBack.write(first);
        Thread up = Thread.ofVirtual().start(() -> pump(in, toBack, back));
        pump(back.getInputStream(), client.getOutputStream(), client);
        // the server has closed: the client has a moment to finish, then both sockets are closed,
        // which also ends the other copy if the client keeps its side open
        up.join(java.time.Duration.ofSeconds(5));
      }
    } catch (IOException | InterruptedException e) {
      // the client or the server went away; nothing to tell either
    }
  }

  /** Copies until end of stream, then half-closes {@code to} so the other side sees the end too. */
  private static void pump(InputStream from, OutputStream out, Socket to) {
    byte[] buf = new byte[64 << 10];
    try {
      for (int n; (n = from.read(buf)) > 0; ) out.write(buf, 0, n);
    } catch (IOException e) {
      // a reset ends the copy like an end of stream
    }
    try {
      to.shutdownOutput();
    } catch (IOException e) {
      // already closed
    }
  }

  /**
   * The answer to a ClientHello. The hello is read first (its record header gives its length) so
   * that closing does not reset the connection before the client has read the reply.
   */
  private void refuseTls(Socket client, InputStream in) throws IOException {
    client.setSoTimeout(1000);
    try {
      byte[] header = in.readNBytes(4); // version (2) and length (2) after the content type
      if (header.length == 4) in.readNBytes(Math.min(((header[2] & 0xff) << 8) | (header[3] & 0xff), 1 << 14));
    } catch (java.net.SocketTimeoutException slow) {
      // answer anyway
    }
    String host = client.getLocalAddress().getHostAddress();
    String where = (host.contains(":") ? "[" + host + "]" : host) + ":" + client.getLocalPort();
    String body = "This notary server speaks plain HTTP, not TLS: use http://" + where + " as the server URL, or serve HTTPS with "
        + "`dockyard notary serve --tls-cert CERT --tls-key KEY` (notary-server's server.tls_cert_file and server.tls_key_file).\n";
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " + b.length + "\r\n\r\n";
    OutputStream out = client.getOutputStream();
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(b);
    out.flush();
    client.shutdownOutput();
    log.accept(client.getInetAddress().getHostAddress() + ":" + client.getPort() + " began a TLS handshake; this server speaks plain HTTP"
        + " (serve HTTPS with --tls-cert and --tls-key)");
    try {
      in.skip(1 << 16); // whatever else the client sends before it closes
    } catch (IOException e) {
      // gone
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing a listener does not fail in a way worth reporting
    }
  }
}
