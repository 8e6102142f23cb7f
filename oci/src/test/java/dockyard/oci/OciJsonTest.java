package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OciJsonTest {
  private static final String D1 = "sha256:" + "a".repeat(64);
  private static final String D2 = "sha256:" + "b".repeat(64);
  private static final String D3 = "sha256:" + "c".repeat(64);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void aDockerManifestListReadsWithItsPlatformsAndUnknownFieldsIgnored() throws OciException {
    String json = """
        {
           "schemaVersion": 2,
           "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
           "manifests": [
              {
                 "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                 "size": 528,
                 "digest": "%s",
                 "platform": {"architecture": "amd64", "os": "linux"}
              },
              {
                 "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                 "size": 527,
                 "digest": "%s",
                 "platform": {"architecture": "arm", "os": "linux", "variant": "v7", "features": ["sse4"], "x-future": 1}
              }
           ],
           "x-vendor": {"nested": [1, 2, 3]}
        }""".formatted(D1, D2);
    Index index = OciJson.parse(utf8(json), Index.class, "list");
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, index.mediaType());
    assertEquals(2, index.manifests().size());
    assertEquals(Platform.parse("linux/arm/v7"), index.manifests().get(1).platform());
    assertEquals(528, index.manifests().get(0).size());
    assertEquals(Digest.parse(D1), index.manifests().get(0).digest());
  }

  @Test
  void canonicalFormHasSpecFieldOrderSortedMapsAndNoWhitespace() {
    Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.parse(D2), 32654)
        .withAnnotation("z.last", "1").withAnnotation("a.first", "2");
    Manifest m = Manifest.of(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(D1), 7023), List.of(layer));
    assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + D1 + "\",\"size\":7023},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D2 + "\",\"size\":32654,"
        + "\"annotations\":{\"a.first\":\"2\",\"z.last\":\"1\"}}]}", text(OciJson.canonical(m)));
    Platform p = new Platform("arm64", "linux", "5.10", List.of("f1"), "v8");
    assertEquals("{\"architecture\":\"arm64\",\"os\":\"linux\",\"os.version\":\"5.10\",\"os.features\":[\"f1\"],\"variant\":\"v8\"}",
        text(OciJson.canonical(p)));
  }

  @Test
  void imageConfigUsesTheSpecsFieldNamesAndRoundTrips() throws OciException {
    String docker = """
        {"architecture":"amd64","config":{"Hostname":"","Env":["PATH=/bin"],"Cmd":["sh"],"Entrypoint":null,
         "ExposedPorts":{"80/tcp":{},"53/udp":{}},"Volumes":{"/data":{}},"WorkingDir":"/w","User":"1000:1000",
         "Labels":{"b":"2","a":"1"},"StopSignal":"SIGTERM","OnBuild":null,"Image":"sha256:123"},
         "container":"abc","created":"2023-05-19T20:19:24.505702265Z","docker_version":"20.10.23",
         "history":[{"created":"2023-05-19T20:19:24.343201941Z","created_by":"/bin/sh -c #(nop) ADD file:x in / "},
                    {"created":"2023-05-19T20:19:24.505702265Z","created_by":"/bin/sh -c #(nop)  CMD [\\"sh\\"]","empty_layer":true}],
         "os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}""".formatted(D3);
    ImageConfig c = OciJson.parse(utf8(docker), ImageConfig.class, "config");
    assertEquals(Set.of("53/udp", "80/tcp"), c.config().exposedPorts());
    assertEquals(List.of("53/udp", "80/tcp"), List.copyOf(c.config().exposedPorts()), "sorted");
    assertEquals(Set.of("/data"), c.config().volumes());
    assertNull(c.config().entrypoint());
    assertEquals(List.of("sh"), c.config().cmd());
    assertEquals("1000:1000", c.config().user());
    assertEquals(List.of(Digest.parse(D3)), c.rootfs().diffIds());
    assertTrue(c.history().get(1).isEmptyLayer());
    assertEquals("2023-05-19T20:19:24.505702265Z", c.created());
    assertEquals(Platform.LINUX_AMD64, c.platform());
    String canonical = text(OciJson.canonical(c));
    assertTrue(canonical.startsWith("{\"created\":\"2023-05-19T20:19:24.505702265Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000:1000\","
        + "\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/w\","
        + "\"Labels\":{\"a\":\"1\",\"b\":\"2\"},\"StopSignal\":\"SIGTERM\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D3 + "\"]},"), canonical);
    assertTrue(canonical.contains("\"empty_layer\":true"), canonical);
    assertEquals(c, OciJson.parse(utf8(canonical), ImageConfig.class, "again"));
    assertArrayEquals(utf8(canonical), OciJson.canonical(OciJson.parse(utf8(canonical), ImageConfig.class, "again")));
  }

  @Test
  void errorsNameTheSourceAndTheField() {
    assertError("index.json: manifests[1]: size must not be negative, got -5",
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":1},"
            + "{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":-5}]}", Index.class);
    assertError("index.json: manifests[0]: missing required field \"size\"",
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\"}]}", Index.class);
    assertError("index.json: manifests[0]: missing required field \"digest\"",
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"size\":3}]}", Index.class);
    assertError("index.json: manifests[0].digest: invalid digest \"sha256:abc\"",
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"sha256:abc\",\"size\":3}]}", Index.class);
    assertError("index.json: schemaVersion must be 2, got 1", "{\"schemaVersion\":1,\"manifests\":[]}", Index.class);
    assertError("index.json: missing required field \"manifests\"", "{\"schemaVersion\":2}", Index.class);
    assertError("index.json: manifests[0].size:", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":\"12\"}]}", Index.class);
    assertError("index.json: manifests[0].size:", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":1.5}]}", Index.class);
    assertError("index.json: line 1 column", "{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}", Index.class);
    assertError("index.json: line 2 column", "{\"schemaVersion\":2,\n\"manifests\":[}", Index.class);
    assertError("index.json: ", "{\"schemaVersion\":2,\"manifests\":[]} {}", Index.class);
    assertError("m.json: mediaType \"application/vnd.oci.image.index.v1+json\" is not an image manifest",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"config\":{\"mediaType\":\"m\",\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[]}",
        Manifest.class, "m.json");
    assertError("c.json: rootfs: type must be \"layers\"", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"x\",\"diff_ids\":[]}}",
        ImageConfig.class, "c.json");
    assertError("c.json: missing required field \"rootfs\"", "{\"architecture\":\"amd64\",\"os\":\"linux\"}", ImageConfig.class, "c.json");
    assertError("c.json: config: Env[1] is null", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\",null]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
        ImageConfig.class, "c.json");
  }

  @Test
  void descriptorsAreImmutable() {
    Descriptor d = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.parse(D1), 10).withAnnotations(Map.of("k", "v"));
    assertThrows(UnsupportedOperationException.class, () -> d.annotations().put("x", "y"));
    Descriptor tagged = d.withAnnotation(Annotations.REF_NAME, "latest");
    assertNull(d.annotation(Annotations.REF_NAME));
    assertEquals("latest", tagged.annotation(Annotations.REF_NAME));
    assertNull(tagged.withAnnotation("k", null).withAnnotation(Annotations.REF_NAME, null).annotations());
  }

  @Test
  void platformsNormalizeOtherToolsSpellings() {
    assertEquals(Platform.parse("linux/amd64"), Platform.parse("linux/x86_64").normalized());
    assertEquals(Platform.parse("linux/arm64/v8"), Platform.parse("linux/aarch64").normalized());
    assertEquals(Platform.parse("linux/arm64/v8"), Platform.parse("linux/arm64").normalized());
    assertEquals(Platform.parse("linux/arm/v7"), Platform.parse("linux/armhf").normalized());
    assertEquals(Platform.parse("linux/arm/v7"), Platform.parse("linux/arm").normalized());
    assertEquals("linux/arm/v6", Platform.parse("linux/armel").normalized().toString());
    assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
    assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux//v7"));
  }

  private static void assertError(String expectedPrefix, String json, Class<?> type) {
    assertError(expectedPrefix, json, type, "index.json");
  }

  private static void assertError(String expectedPrefix, String json, Class<?> type, String source) {
    OciException e = assertThrows(OciException.class, () -> OciJson.parse(utf8(json), type, source), json);
    assertTrue(e.getMessage().startsWith(expectedPrefix), "want prefix <" + expectedPrefix + "> got <" + e.getMessage() + ">");
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
