package dockyard.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.Digest;
import dockyard.oci.DigestMismatchException;
import dockyard.oci.MediaTypes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the real docker-registry cannot show quickly: Bearer tokens (it needs a signing setup), a
 * registry that lies about a manifest, blob redirects to another host, and mirrors. A tiny
 * in-process HTTP server plays registry, token service and object storage.
 */
class FakeRegistryTest {
  static final byte[] MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}".getBytes(StandardCharsets.UTF_8);
  static final byte[] BLOB = "blob content".getBytes(StandardCharsets.UTF_8);

  HttpServer registry;
  HttpServer storage;
  String host;
  final AtomicInteger tokenRequests = new AtomicInteger();
  final List<String> storageAuth = new CopyOnWriteArrayList<>();
  final List<String> scopes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext("/", x -> {
      storageAuth.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
      reply(x, 200, "application/octet-stream", BLOB);
    });
    storage.start();
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    host = "127.0.0.1:" + registry.getAddress().getPort();
    registry.createContext("/", this::handle);
    registry.start();
  }

  @AfterEach
  void stop() {
    registry.stop(0);
    storage.stop(0);
  }

  void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    if (path.equals("/token")) {
      tokenRequests.incrementAndGet();
      String q = x.getRequestURI().getQuery();
      scopes.add(q);
      reply(x, 200, "application/json", ("{\"token\":\"good-token\",\"expires_in\":300}").getBytes());
      return;
    }
    String repo = path.startsWith("/v2/") ? path.substring(4).replaceFirst("/(manifests|blobs)/.*$", "") : "";
    if (!"Bearer good-token".equals(x.getRequestHeaders().getFirst("Authorization"))) {
      x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host + "/token\",service=\"fake\""
          + (repo.isEmpty() || path.equals("/v2/") ? "" : ",scope=\"repository:" + repo + ":pull\""));
      reply(x, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
      return;
    }
    if (path.equals("/v2/")) {
      reply(x, 200, "application/json", "{}".getBytes());
    } else if (path.contains("/manifests/")) {
      // whatever digest is asked for, the same bytes: a lying (or broken) registry for other digests
      x.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(MANIFEST).toString());
      reply(x, 200, MediaTypes.OCI_MANIFEST, MANIFEST);
    } else if (path.contains("/blobs/")) {
      x.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/bucket/object?sig=1");
      reply(x, 307, null, new byte[0]);
    } else {
      reply(x, 404, "application/json", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}".getBytes());
    }
  }

  static void reply(HttpExchange x, int status, String type, byte[] body) throws IOException {
    if (type != null) x.getResponseHeaders().add("Content-Type", type);
    boolean head = x.getRequestMethod().equals("HEAD");
    x.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) x.getResponseBody().write(body);
    x.close();
  }

  RegistryClient client(RegistryClient.Options o) {
    return new RegistryClient(o.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)));
  }

  @Test
  void bearerTokenFetchedOncePerScopeAndRedirectDropsAuthorization(@TempDir Path dir) throws Exception {
    RegistryClient c = client(RegistryClient.Options.defaults().withInsecure(host));
    c.ping(host);
    Reference ref = Reference.parse(host + "/team/app@" + Digest.sha256(MANIFEST));
    RegistryClient.FetchedManifest m = c.fetchManifest(ref);
    assertEquals(Digest.sha256(MANIFEST), m.descriptor().digest());
    c.fetchManifest(ref);
    assertEquals(2, tokenRequests.get(), "one token for /v2/, one for the repository scope, then cached");
    assertTrue(scopes.get(1).contains("scope=repository:team/app:pull") && scopes.get(1).contains("service=fake"), scopes.toString());

    ContentStore store = ContentStore.at(dir);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(BLOB), BLOB.length);
    c.fetchBlob(ref, blob, store);
    assertTrue(store.exists(blob.digest()));
    assertEquals(List.of("null"), storageAuth, "the registry's token must not go to another host");
  }

  @Test
  void manifestNotMatchingTheRequestedDigestIsRefused() {
    RegistryClient c = client(RegistryClient.Options.defaults().withInsecure(host));
    Digest other = Digest.sha256("another manifest".getBytes());
    var e = assertThrows(DigestMismatchException.class, () -> c.fetchManifest(Reference.parse(host + "/team/app@" + other)));
    assertEquals(other, e.expected());
    assertEquals(Digest.sha256(MANIFEST), e.actual());
    assertThrows(DigestMismatchException.class, () -> c.resolve(Reference.parse(host + "/team/app@" + other)));
  }

  @Test
  void blobWithOtherContentIsRefusedAndNotStored(@TempDir Path dir) {
    RegistryClient c = client(RegistryClient.Options.defaults().withInsecure(host));
    ContentStore store = ContentStore.at(dir);
    Descriptor wanted = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256("other".getBytes()), BLOB.length);
    assertThrows(DigestMismatchException.class, () -> c.fetchBlob(host + "/team/app", wanted, store));
    assertTrue(!store.exists(wanted.digest()));
  }

  @Test
  void dockerHubPullsGoToTheMirrorFirst() throws Exception {
    RegistryClient c = client(RegistryClient.Options.defaults().withMirrors(URI.create("http://" + host)));
    RegistryClient.FetchedManifest m = c.fetchManifest(Reference.parse("busybox@" + Digest.sha256(MANIFEST)));
    assertEquals(Digest.sha256(MANIFEST), m.descriptor().digest());
    assertTrue(scopes.stream().anyMatch(s -> s.contains("scope=repository:library/busybox:pull")), scopes.toString());
  }

  @Test
  void optionsCheckMirrors() {
    assertThrows(IllegalArgumentException.class, () -> RegistryClient.Options.defaults().withMirrors(URI.create("ftp://mirror")));
    assertNull(RegistryClient.Options.defaults().mirrors().isEmpty() ? null : "x");
  }
}
