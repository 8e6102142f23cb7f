package dockyard.notary.client;

import com.fasterxml.jackson.databind.JsonNode;
import dockyard.notary.tuf.CanonicalJson;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.TufKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A notary-server as a client sees it: metadata downloads (capped in size, so a hostile server cannot
 * fill memory), the server-managed keys, and multipart updates. The server's error JSON becomes the
 * exception's message.
 */
public final class NotaryRemote {
  /** The server answered that it has no such thing (404). */
  public static final class NotFound extends IOException {
    NotFound(String m) {
      super(m);
    }
  }

  private final URI base;
  private final String gun;

  public NotaryRemote(URI server, String gun) {
    this(server, gun, null);
  }

  /** @param tls trust for an https server (e.g. {@link #trustingCa}); null for the JDK's default trust store */
  public NotaryRemote(URI server, String gun, javax.net.ssl.SSLContext tls) {
    String s = server.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.gun = gun;
    this.tls = tls;
  }

  private final javax.net.ssl.SSLContext tls;
  private HttpClient http;
  private PlainHttp plain;

  /** Closes the connections kept alive for metadata downloads, when an update is over. */
  public synchronized void closeIdle() {
    if (plain != null) plain.closeIdle();
  }

  /** Metadata GETs from a plain-http server (see {@link PlainHttp}). */
  private synchronized PlainHttp plain() {
    if (plain == null) plain = new PlainHttp(base);
    return plain;
  }

  /**
   * Made on first use: a verb that never talks to the server pays nothing, and for plain http a
   * TLS context that trusts nothing stands in for the default one, whose trust store load costs
   * a one-shot CLI run a few hundred milliseconds.
   */
  private synchronized HttpClient http() throws IOException {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
      if (tls != null) {
        b.sslContext(tls);
      } else if (base.getScheme().equals("http")) {
        try {
          javax.net.ssl.SSLContext none = javax.net.ssl.SSLContext.getInstance("TLS");
          none.init(new javax.net.ssl.KeyManager[0], new javax.net.ssl.TrustManager[0], null);
          b.sslContext(none);
        } catch (java.security.GeneralSecurityException e) {
          throw new IOException("TLS setup: " + e.getMessage());
        }
      }
      http = b.build();
    }
    return http;
  }

  /** TLS that trusts only the CA certificates in a PEM file ({@code --tlscacert}, the config's remote_server.root_ca). */
  public static javax.net.ssl.SSLContext trustingCa(java.nio.file.Path caPem) throws IOException {
    try (InputStream in = java.nio.file.Files.newInputStream(caPem)) {
      java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (var c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
      if (i == 0) throw new IOException(caPem + ": no certificates");
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(caPem + ": " + e.getMessage());
    }
  }

  /** Deletes the repository on the server ({@code delete --remote}). */
  public void deleteRepository() throws IOException {
    HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri("")).DELETE().build());
    byte[] b;
    try (InputStream in = r.body()) {
      b = in.readNBytes(1 << 20);
    }
    if (r.statusCode() != 200) throw new IOException("DELETE " + gun + ": " + describe(r.statusCode(), b));
  }

  public URI server() {
    return base;
  }

  private URI uri(String tail) {
    return base.resolve("v2/" + gun + "/_trust/tuf/" + tail);
  }

  /** {@code ROLE.json}, or {@code ROLE.SHA256HEX.json} when {@code sha256Hex} is given; null on 404. */
  public byte[] metadata(String role, String sha256Hex) throws IOException {
    String name = sha256Hex == null || sha256Hex.isEmpty() ? role + ".json" : role + "." + sha256Hex + ".json";
    if (base.getScheme().equals("http")) {
      PlainHttp.Response r = plain().get(uri(name), SignedMetadata.MAX_BYTES + 1);
      byte[] b = r.body();
      if (r.status() == 404) return null;
      if (r.status() != 200) throw new IOException("GET " + name + ": " + describe(r.status(), b));
      if (b.length > SignedMetadata.MAX_BYTES) throw new IOException("GET " + name + ": more than " + SignedMetadata.MAX_BYTES + " bytes, refused");
      return b;
    }
    HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri(name)).GET().build());
    try (InputStream in = r.body()) {
      byte[] b = in.readNBytes((int) SignedMetadata.MAX_BYTES + 1);
      if (r.statusCode() == 404) return null;
      if (r.statusCode() != 200) throw new IOException("GET " + name + ": " + describe(r.statusCode(), b));
      if (b.length > SignedMetadata.MAX_BYTES) throw new IOException("GET " + name + ": more than " + SignedMetadata.MAX_BYTES + " bytes, refused");
      return b;
    }
  }

  /** The server's public key for {@code role} (timestamp or snapshot); {@code rotate} asks for a new one. */
  public TufKey key(String role, boolean rotate) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(role + ".key"));
    HttpResponse<InputStream> r = send(rotate ? b.POST(HttpRequest.BodyPublishers.noBody()).build() : b.GET().build());
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(1 << 20);
    }
    if (r.statusCode() != 200) throw new IOException((rotate ? "POST " : "GET ") + role + ".key: " + describe(r.statusCode(), body));
    try {
      return TufKey.fromJson(CanonicalJson.parse(body));
    } catch (IOException e) {
      throw new IOException("the server's " + role + " key is unreadable: " + e.getMessage());
    }
  }

  /** Uploads role files in one multipart update (the server takes all or none). */
  public void update(Map<String, byte[]> files) throws IOException {
    String boundary = UUID.randomUUID().toString().replace("-", "");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (var f : files.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + f.getKey()
          + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(f.getValue());
      body.writeBytes("\r\n".getBytes());
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes());
    HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri(""))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    byte[] b;
    try (InputStream in = r.body()) {
      b = in.readNBytes(1 << 20);
    }
    if (r.statusCode() != 200) throw new IOException("the server refused the update: " + describe(r.statusCode(), b));
  }

  private HttpResponse<InputStream> send(HttpRequest req) throws IOException {
    try {
      return http().send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException("TLS with the notary server at " + base + " failed: " + e.getMessage()
          + (String.valueOf(e.getMessage()).contains("PKIX") ? " (its certificate is not trusted: give its CA with --tlscacert)" : "")
          // the JDK's words for a reply that is not TLS, e.g. a plain-HTTP notary serve's 400
          + (String.valueOf(e.getMessage()).matches("(?s).*(plaintext connection|Unsupported or unrecognized SSL message).*")
              ? " (the server answers in plain HTTP: use http://" + base.getAuthority() + ", or serve it with TLS)" : ""));
    } catch (java.net.ConnectException e) {
      throw new Unreachable("cannot reach the notary server at " + base + ": " + (e.getMessage() == null ? "connection refused" : e.getMessage()));
    }
  }

  /** The server could not be contacted at all (as opposed to answering with an error). */
  public static final class Unreachable extends IOException {
    Unreachable(String m) {
      super(m);
    }
  }

  private static String describe(int status, byte[] body) {
    try {
      JsonNode n = CanonicalJson.parse(body);
      JsonNode e = n.path("errors").path(0);
      if (e.isObject()) {
        String detail = e.path("detail").isTextual() ? e.get("detail").asText() : e.path("detail").toString();
        return status + " " + e.path("code").asText() + ": " + e.path("message").asText() + (detail.isEmpty() || detail.equals(e.path("message").asText()) || detail.equals("null") ? "" : " (" + detail + ")");
      }
    } catch (IOException | RuntimeException ignored) {
      // not notary's error JSON: show the text
    }
    String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip();
    return status + (text.isEmpty() ? "" : " " + text);
  }
}
