package dockyard.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.Digest;
import dockyard.oci.Image;
import dockyard.oci.ImageConfig;
import dockyard.oci.Index;
import dockyard.oci.Layer;
import dockyard.oci.MediaTypes;
import dockyard.oci.OciLayout;
import dockyard.oci.Platform;
import dockyard.oci.PlatformSelector;
import dockyard.oci.layer.LayerWriter;
import dockyard.oci.testing.LocalRegistry;
import dockyard.oci.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against Debian's docker-registry (distribution 2.8): one open instance, one with htpasswd Basic auth. */
class RegistryClientTest {
  @TempDir static Path tmp;
  static LocalRegistry open;
  static LocalRegistry auth;
  static String openHost;
  static String authHost;

  @BeforeAll
  static void startRegistries() throws Exception {
    open = LocalRegistry.start(tmp.resolve("open"), null);
    openHost = open.host();
    String htpasswd = null;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, "htpasswd"))) htpasswd = Path.of(dir, "htpasswd").toString();
    }
    if (htpasswd != null) {
      Path file = tmp.resolve("htpasswd");
      Files.writeString(file, Tools.ok(htpasswd, "-Bbn", "user", "pass").stdout());
      auth = LocalRegistry.start(tmp.resolve("auth"), file);
      authHost = auth.host();
    }
  }

  @AfterAll
  static void stopRegistries() throws Exception {
    for (LocalRegistry r : new LocalRegistry[] {open, auth}) {
      if (r != null) r.close();
    }
  }

  RegistryClient client(Credentials credentials) {
    return new RegistryClient(RegistryClient.Options.defaults().withInsecure(openHost, authHost == null ? openHost : authHost)
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30)).withCredentials(credentials));
  }

  /** A one-layer image for {@code platform} in a fresh layout; {@code text} makes the content differ. */
  static Image image(Path dir, Platform platform, String text) throws IOException {
    OciLayout layout = OciLayout.create(dir.resolve("layout"));
    Path root = Files.createDirectories(dir.resolve("root/etc"));
    Files.writeString(root.resolve("motd"), text, StandardCharsets.UTF_8);
    Layer layer = LayerWriter.writeTo(layout.store(), dir.resolve("root"), LayerWriter.Options.reproducible(), true);
    return layout.writeImage("latest", platform, ImageConfig.Config.EMPTY.withCmd(List.of("/bin/sh")), List.of(layer));
  }

  @Test
  void pushThenPullRoundTrip(@TempDir Path dir) throws Exception {
    Image img = image(dir, Platform.LINUX_AMD64, "round trip");
    ContentStore src = ContentStore.at(dir.resolve("layout"));
    RegistryClient c = client(Credentials.none());
    c.ping(openHost);
    Reference ref = Reference.parse(openHost + "/test/roundtrip:v1");

    RegistryClient.PushResult pushed = c.push(ref, src, img.descriptor());
    assertEquals(2, pushed.blobsUploaded());
    assertEquals(0, pushed.blobsSkipped());
    RegistryClient.PushResult again = c.push(ref, src, img.descriptor());
    assertEquals(0, again.blobsUploaded());
    assertEquals(2, again.blobsSkipped());

    ContentStore dst = ContentStore.at(dir.resolve("pulled"));
    RegistryClient.PullResult pulled = c.pull(ref, PlatformSelector.defaultSelector(), dst);
    assertEquals(img.descriptor().digest(), pulled.root().digest());
    assertEquals(img.descriptor().digest(), pulled.image().descriptor().digest());
    assertEquals(MediaTypes.OCI_MANIFEST, pulled.image().descriptor().mediaType());
    assertEquals(img.manifest().config().digest(), pulled.image().manifest().config().digest());
    assertEquals(img.layers(), pulled.image().layers());
    assertEquals(2, pulled.blobsFetched());
    assertEquals(src.list(), dst.list());
    assertEquals(2, c.pull(ref, PlatformSelector.defaultSelector(), dst).blobsSkipped());

    // the layer by itself, through the repository-name form
    ContentStore third = ContentStore.at(dir.resolve("third"));
    Descriptor layer = img.manifest().layers().get(0);
    c.fetchBlob(openHost + "/test/roundtrip", layer, third);
    assertTrue(third.exists(layer.digest()));
  }

  @Test
  void resolveByTagAndDigest(@TempDir Path dir) throws Exception {
    Image img = image(dir, Platform.LINUX_AMD64, "resolve");
    RegistryClient c = client(Credentials.none());
    Reference ref = Reference.parse(openHost + "/test/resolve:t");
    c.push(ref, ContentStore.at(dir.resolve("layout")), img.descriptor());

    Descriptor byTag = c.resolve(ref);
    assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
    assertEquals(img.descriptor().digest(), byTag.digest());
    assertEquals(img.descriptor().size(), byTag.size());
    Descriptor byDigest = c.resolve(Reference.parse(openHost + "/test/resolve@" + byTag.digest()));
    assertTrue(byDigest.sameContent(byTag));

    RegistryClient.FetchedManifest m = c.fetchManifest(Reference.parse(openHost + "/test/resolve@" + byTag.digest()));
    assertEquals(byTag.digest(), Digest.sha256(m.bytes()));
    assertEquals(MediaTypes.OCI_MANIFEST, m.descriptor().mediaType());
  }

  @Test
  void multiPlatformIndex(@TempDir Path dir) throws Exception {
    Image amd = image(dir.resolve("a"), Platform.LINUX_AMD64, "amd64");
    Image arm = image(dir.resolve("b"), Platform.parse("linux/arm64"), "arm64");
    ContentStore store = ContentStore.at(dir.resolve("all"));
    for (Path p : List.of(dir.resolve("a/layout"), dir.resolve("b/layout"))) {
      ContentStore s = ContentStore.at(p);
      for (Digest d : s.list()) {
        try (var in = s.open(d)) {
          store.put(d, -1, in);
        }
      }
    }
    Descriptor index = store.putJson(MediaTypes.OCI_INDEX, Index.of(List.of(
        amd.descriptor().withPlatform(Platform.LINUX_AMD64).withAnnotations(null),
        arm.descriptor().withPlatform(Platform.parse("linux/arm64")).withAnnotations(null))));
    RegistryClient c = client(Credentials.none());
    Reference ref = Reference.parse(openHost + "/test/multi:latest");
    RegistryClient.PushResult pushed = c.push(ref, store, index);
    assertEquals(4, pushed.blobsUploaded());

    assertEquals(index.digest(), c.resolve(ref).digest());
    assertEquals(MediaTypes.OCI_INDEX, c.resolve(ref).mediaType());
    ContentStore dst = ContentStore.at(dir.resolve("pulled"));
    RegistryClient.PullResult pulled = c.pull(ref, PlatformSelector.of("linux/arm64"), dst);
    assertEquals(index.digest(), pulled.root().digest());
    assertEquals(arm.descriptor().digest(), pulled.image().descriptor().digest());
    assertTrue(dst.exists(index.digest()));
    assertTrue(dst.exists(arm.manifest().layers().get(0).digest()));
    assertTrue(!dst.exists(amd.manifest().layers().get(0).digest()), "only the selected platform's blobs are pulled");

    var none = assertThrows(IOException.class, () -> c.pull(ref, PlatformSelector.of("linux/s390x"), dst));
    assertTrue(none.getMessage().contains("no manifest for platform linux/s390x"), none.getMessage());
  }

  @Test
  void otherDigestIsRefusedWithTheRegistrysError(@TempDir Path dir) throws Exception {
    Image img = image(dir, Platform.LINUX_AMD64, "digest");
    RegistryClient c = client(Credentials.none());
    Reference ref = Reference.parse(openHost + "/test/digest:t");
    c.push(ref, ContentStore.at(dir.resolve("layout")), img.descriptor());
    Digest other = Digest.sha256("not this manifest".getBytes());
    var e = assertThrows(RegistryException.class, () -> c.fetchManifest(Reference.parse(openHost + "/test/digest@" + other)));
    assertEquals(404, e.status());
    assertTrue(e.hasCode("MANIFEST_UNKNOWN"), e.getMessage());
    assertTrue(e.getMessage().contains("404") && e.getMessage().contains("/v2/test/digest/manifests/" + other), e.getMessage());
  }

  @Test
  void unknownRepositoryOrTag() {
    RegistryClient c = client(Credentials.none());
    var e = assertThrows(RegistryException.class, () -> c.fetchManifest(Reference.parse(openHost + "/no/such/repo:latest")));
    assertEquals(404, e.status());
    assertTrue(e.hasCode("NAME_UNKNOWN") || e.hasCode("MANIFEST_UNKNOWN"), e.getMessage());
    assertTrue(e.getMessage().startsWith("GET http://" + openHost + "/v2/no/such/repo/manifests/latest: 404 Not Found: "), e.getMessage());
    var h = assertThrows(RegistryException.class, () -> c.resolve(Reference.parse(openHost + "/no/such/repo:latest")));
    assertEquals(404, h.status());
  }

  @Test
  void basicAuth(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(auth != null, "htpasswd is not installed (Debian package: apache2-utils); skipping the Basic auth test");
    Image img = image(dir, Platform.LINUX_AMD64, "auth");
    Reference ref = Reference.parse(authHost + "/private/app:1");

    RegistryClient good = client(Credentials.of(authHost, "user", "pass"));
    good.ping(authHost);
    assertEquals(2, good.push(ref, ContentStore.at(dir.resolve("layout")), img.descriptor()).blobsUploaded());
    RegistryClient.PullResult pulled = good.pull(ref, PlatformSelector.defaultSelector(), ContentStore.at(dir.resolve("pulled")));
    assertEquals(img.descriptor().digest(), pulled.image().descriptor().digest());

    RegistryClient wrong = client(Credentials.of(authHost, "user", "wrong"));
    var e = assertThrows(RegistryException.class, () -> wrong.resolve(ref));
    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("401 Unauthorized") && e.getMessage().contains("refused the credentials"), e.getMessage());
    var g = assertThrows(RegistryException.class, () -> wrong.fetchManifest(ref));
    assertTrue(g.hasCode("UNAUTHORIZED") && g.getMessage().contains("GET http://" + authHost + "/v2/private/app/manifests/1: 401 Unauthorized: UNAUTHORIZED"),
        g.getMessage());

    RegistryClient anonymous = client(Credentials.none());
    var n = assertThrows(RegistryException.class, () -> anonymous.fetchManifest(ref));
    assertTrue(n.getMessage().contains("no credentials are configured for " + authHost), n.getMessage());
    assertNotNull(n.uri());
  }
}
