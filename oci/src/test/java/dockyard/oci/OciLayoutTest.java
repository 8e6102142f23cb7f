package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  @Test
  void createWritesTheLayoutFilesExactly() throws IOException {
    OciLayout.create(dir);
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(dir.resolve("oci-layout")));
    assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}",
        Files.readString(dir.resolve("index.json")));
    assertTrue(Files.isDirectory(dir.resolve("blobs/sha256")));
    OciException e = assertThrows(OciException.class, () -> OciLayout.create(dir));
    assertTrue(e.getMessage().endsWith("already an OCI image layout"), e.getMessage());
  }

  @Test
  void imagesRoundTripThroughTheLayout() throws IOException {
    OciLayout layout = OciLayout.create(dir);
    byte[] tar = utf8("pretend this is a tar");
    Layer plain = layout.putLayer(new ByteArrayInputStream(tar));
    assertEquals(MediaTypes.OCI_LAYER, plain.blob().mediaType());
    assertEquals(Digest.sha256(tar), plain.diffId());
    Layer gz = layout.putLayer(new ByteArrayInputStream(gzip(utf8("a second layer"))));
    assertEquals(MediaTypes.OCI_LAYER_GZIP, gz.blob().mediaType());
    assertEquals(Digest.sha256(utf8("a second layer")), gz.diffId());

    ImageConfig.Config run = ImageConfig.Config.EMPTY.withEnv(List.of("PATH=/bin")).withCmd(List.of("/bin/sh"));
    Image written = layout.writeImage("v1", Platform.parse("linux/arm64/v8"), run, List.of(plain, gz));
    Image again = layout.writeImage("v1-again", Platform.parse("linux/arm64/v8"), run, List.of(plain, gz));
    assertEquals(written.descriptor().digest(), again.descriptor().digest(), "no timestamps: same inputs, same manifest");

    OciLayout reopened = OciLayout.open(dir);
    assertEquals(List.of("v1", "v1-again"), reopened.tags());
    Image read = reopened.readImage("v1", PlatformSelector.of("linux/arm64"));
    assertEquals(written.manifest(), read.manifest());
    assertEquals(written.config(), read.config());
    assertEquals(List.of(plain, gz), read.layers());
    assertEquals("v1", read.descriptor().annotation(Annotations.REF_NAME));
    assertEquals(Platform.parse("linux/arm64/v8"), read.descriptor().platform());

    // moving a tag replaces the entry; removing a tag keeps the blobs
    layout.addManifest(again.descriptor(), "v1");
    assertEquals(List.of("v1-again", "v1"), layout.tags());
    assertTrue(layout.removeTag("v1"));
    assertFalse(layout.removeTag("v1"));
    assertEquals(List.of("v1-again"), layout.tags());
    assertTrue(layout.store().exists(written.manifest().config().digest()));
    assertEquals(again.descriptor().digest(), layout.resolve(null).digest(), "the only entry");
    OciException e = assertThrows(OciException.class, () -> layout.resolve("nope"));
    assertEquals(dir.resolve("index.json") + ": no manifest tagged \"nope\" (tags: v1-again)", e.getMessage());
    assertThrows(OciException.class, () -> layout.addManifest(again.descriptor(), "bad tag!"));
  }

  @Test
  void anIndexInTheLayoutIsResolvedByPlatform() throws IOException {
    OciLayout layout = OciLayout.create(dir);
    Layer l = layout.putLayer(new ByteArrayInputStream(utf8("layer")));
    Image amd = layout.writeImage("amd", Platform.LINUX_AMD64, ImageConfig.Config.EMPTY, List.of(l));
    Image arm = layout.writeImage("arm", Platform.parse("linux/arm/v6"), ImageConfig.Config.EMPTY, List.of(l));
    Descriptor index = layout.store().putJson(MediaTypes.OCI_INDEX, Index.of(List.of(
        arm.descriptor().withAnnotations(null), amd.descriptor().withAnnotations(null))));
    layout.addManifest(index, "multi");
    assertEquals(amd.descriptor().digest(), layout.readImage("multi", PlatformSelector.defaultSelector()).descriptor().digest());
    assertEquals(arm.descriptor().digest(), layout.readImage("multi", PlatformSelector.of("linux/arm/v7")).descriptor().digest(),
        "v7 runs v6 code");
    OciException e = assertThrows(OciException.class, () -> layout.readImage("multi", PlatformSelector.of("linux/s390x")));
    assertEquals(index.digest().blobPath() + ": no manifest for platform linux/s390x (available: linux/arm/v6, linux/amd64)", e.getMessage());
  }

  @Test
  void badFilesAreNamedWithTheirField() throws IOException {
    OciException e = assertThrows(OciException.class, () -> OciLayout.open(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("oci-layout") + ": missing"), e.getMessage());
    OciLayout layout = OciLayout.create(dir);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
    e = assertThrows(OciException.class, () -> OciLayout.open(dir));
    assertEquals(dir.resolve("oci-layout") + ": imageLayoutVersion: \"2.0.0\" is not supported (want 1.0.0)", e.getMessage());
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"digest\":\"sha256:1234\",\"size\":3}]}");
    e = assertThrows(OciException.class, () -> OciLayout.open(dir));
    assertTrue(e.getMessage().startsWith(dir.resolve("index.json") + ": manifests[0].digest: invalid digest \"sha256:1234\""), e.getMessage());
    Files.delete(dir.resolve("index.json"));
    e = assertThrows(OciException.class, () -> OciLayout.open(dir));
    assertEquals(dir.resolve("index.json") + ": missing", e.getMessage());

    // a manifest whose own mediaType disagrees with its descriptor
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
    Descriptor config = layout.store().putBytes(MediaTypes.OCI_CONFIG, utf8("{}"));
    Descriptor m = layout.store().putBytes(MediaTypes.OCI_MANIFEST, utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST
        + "\",\"config\":" + new String(OciJson.canonical(config), StandardCharsets.UTF_8) + ",\"layers\":[]}"));
    layout.addManifest(m, "confused");
    e = assertThrows(OciException.class, () -> layout.readImage("confused", PlatformSelector.defaultSelector()));
    assertTrue(e.getMessage().contains("mediaType: \"" + MediaTypes.DOCKER_MANIFEST + "\" but its descriptor says"), e.getMessage());
    // a config that is not a valid image config is named with its blob and field
    Descriptor m2 = layout.store().putJson(MediaTypes.OCI_MANIFEST, Manifest.of(config, List.of()));
    layout.addManifest(m2, "emptyconfig");
    e = assertThrows(OciException.class, () -> layout.readImage("emptyconfig", PlatformSelector.defaultSelector()));
    assertEquals(config.digest().blobPath() + ": missing required field \"architecture\"", e.getMessage());
  }

  @Test
  void severalTagsAreAddedInOneRewrite() throws IOException {
    OciLayout layout = OciLayout.create(dir);
    Image a = layout.writeImage("a", Platform.LINUX_AMD64, ImageConfig.Config.EMPTY, List.of(layout.putLayer(new ByteArrayInputStream(utf8("a")))));
    Image b = layout.writeImage("b", Platform.LINUX_AMD64, ImageConfig.Config.EMPTY, List.of(layout.putLayer(new ByteArrayInputStream(utf8("b")))));
    java.util.Map<String, Descriptor> tags = new java.util.LinkedHashMap<>();
    tags.put("a", b.descriptor()); // moves: the old "a" entry goes
    tags.put("x", a.descriptor());
    tags.put("y", b.descriptor());
    layout.addManifests(tags);
    assertEquals(List.of("b", "a", "x", "y"), layout.tags());
    assertEquals(b.descriptor().digest(), layout.resolve("a").digest());
    assertEquals(a.descriptor().digest(), layout.resolve("x").digest());
    layout.addManifests(java.util.Map.of());
    assertEquals(4, layout.tags().size(), "nothing to add changes nothing");

    // one bad entry refuses the whole batch, before index.json is touched
    byte[] before = Files.readAllBytes(dir.resolve("index.json"));
    assertThrows(OciException.class, () -> layout.addManifests(java.util.Map.of("z", a.descriptor(), "bad tag!", b.descriptor())));
    Descriptor missing = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(utf8("not stored")), 10);
    assertThrows(BlobNotFoundException.class, () -> layout.addManifests(java.util.Map.of("z", missing)));
    Descriptor notAManifest = layout.store().putBytes(MediaTypes.OCTET_STREAM, utf8("blob"));
    assertThrows(OciException.class, () -> layout.addManifests(java.util.Map.of("z", notAManifest)));
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("index.json")));
  }

  @Test
  void concurrentTaggingLosesNoEntry() throws Exception {
    OciLayout layout = OciLayout.create(dir);
    Layer l = layout.putLayer(new ByteArrayInputStream(utf8("layer")));
    Image image = layout.writeImage("base", Platform.LINUX_AMD64, ImageConfig.Config.EMPTY, List.of(l));
    List<Future<Descriptor>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 40; i++) {
        String tag = "t" + i;
        results.add(pool.submit(() -> OciLayout.open(dir).addManifest(image.descriptor(), tag)));
      }
      for (Future<Descriptor> f : results) f.get();
    }
    assertEquals(41, layout.tags().size());
  }
}
