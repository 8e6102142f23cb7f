package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.layer.LayerUnpacker;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A layer tar holding one file. */
  private static byte[] layerTar(String name, String content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter t = new TarWriter(out)) {
      t.add(TarEntry.file(name, utf8(content).length, 0644), utf8(content));
    }
    return out.toByteArray();
  }

  private static String config(Digest... diffIds) {
    StringBuilder ids = new StringBuilder();
    for (Digest d : diffIds) ids.append(ids.isEmpty() ? "" : ",").append('"').append(d).append('"');
    return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/hello\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]},\"docker_version\":\"20.10\"}";
  }

  /** Writes an archive the way Docker up to 24 did: {@code <id>/layer.tar}, {@code <hex>.json}, manifest.json, repositories. */
  private Path legacyArchive(String manifestJson, String repositories, boolean gzip, Object[]... files) throws IOException {
    Path archive = dir.resolve(gzip ? "saved.tar.gz" : "saved.tar");
    try (OutputStream file = Files.newOutputStream(archive);
         OutputStream out = gzip ? new GZIPOutputStream(file) : file;
         TarWriter t = new TarWriter(out)) {
      for (Object[] f : files) {
        if (f[1] instanceof byte[] b) t.add(TarEntry.file((String) f[0], b.length, 0644), b);
        else t.add(TarEntry.symlink((String) f[0], (String) f[1]));
      }
      if (manifestJson != null) t.add(TarEntry.file("manifest.json", utf8(manifestJson).length, 0644), utf8(manifestJson));
      if (repositories != null) t.add(TarEntry.file("repositories", utf8(repositories).length, 0644), utf8(repositories));
    }
    return archive;
  }

  @Test
  void aLegacyDockerSaveArchiveWithSharedLayersAndRepositories() throws IOException {
    byte[] base = layerTar("hello", "hello world\n");
    byte[] top = layerTar("etc/motd", "second\n");
    Digest baseId = Digest.sha256(base), topId = Digest.sha256(top);
    String c1 = config(baseId), c2 = config(baseId, topId);
    String h1 = Digest.sha256(utf8(c1)).hex(), h2 = Digest.sha256(utf8(c2)).hex();
    String manifest = "[{\"Config\":\"" + h1 + ".json\",\"RepoTags\":[\"hello:1\"],\"Layers\":[\"aaa/layer.tar\"]},"
        + "{\"Config\":\"" + h2 + ".json\",\"RepoTags\":null,\"Layers\":[\"bbb/layer.tar\",\"ccc/layer.tar\"]}]";
    Path archive = legacyArchive(manifest, "{\"hello\":{\"2\":\"ccc\",\"latest\":\"ccc\"},\"other\":{\"x\":\"zzz\"}}", false,
        new Object[] {"aaa/layer.tar", base}, new Object[] {"aaa/VERSION", utf8("1.0")}, new Object[] {"aaa/json", utf8("{}")},
        new Object[] {"bbb/layer.tar", "../aaa/layer.tar"}, new Object[] {"ccc/layer.tar", top},
        new Object[] {h1 + ".json", utf8(c1)}, new Object[] {h2 + ".json", utf8(c2)});
    OciLayout layout = OciLayout.create(dir.resolve("layout"));
    List<DockerArchive.Entry> entries = DockerArchive.importInto(archive, layout);
    assertEquals(List.of("hello:1"), entries.get(0).repoTags());
    assertEquals(List.of("hello:2", "hello:latest"), entries.get(1).repoTags().stream().sorted().toList(), "from repositories");
    Image second = entries.get(1).image();
    assertEquals(h2, second.manifest().config().digest().hex(), "the image ID is the config's digest");
    assertEquals(List.of(baseId, topId), second.manifest().layers().stream().map(Descriptor::digest).toList());
    assertEquals(List.of("hello:1", "hello:2", "hello:latest"), layout.tags().stream().sorted().toList());
    Image read = layout.readImage("hello:latest", PlatformSelector.defaultSelector());
    new LayerUnpacker().unpack(layout.store(), read, dir.resolve("rootfs"));
    assertEquals("hello world\n", Files.readString(dir.resolve("rootfs/hello")));
    assertEquals("second\n", Files.readString(dir.resolve("rootfs/etc/motd")));
  }

  @Test
  void integrityComesFromTheConfig() throws IOException {
    byte[] layer = layerTar("hello", "hello world\n");
    byte[] tampered = layerTar("hello", "HELLO WORLD\n");
    String c = config(Digest.sha256(layer));
    String h = Digest.sha256(utf8(c)).hex();
    String manifest = "[{\"Config\":\"" + h + ".json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"aaa/layer.tar\"]}]";
    Path archive = legacyArchive(manifest, null, true, new Object[] {"aaa/layer.tar", tampered}, new Object[] {h + ".json", utf8(c)});
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> DockerArchive.read(archive, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().contains("manifest.json[0].Layers[0] aaa/layer.tar (diff_ids[0] of the config): digest mismatch: expected "
        + Digest.sha256(layer)), e.getMessage());

    String wrongName = "0".repeat(64);
    Path renamed = legacyArchive(manifest.replace(h, wrongName), null, false, new Object[] {"aaa/layer.tar", layer}, new Object[] {wrongName + ".json", utf8(c)});
    e = assertThrows(DigestMismatchException.class, () -> DockerArchive.read(renamed, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().contains("Config " + wrongName + ".json: digest mismatch"), e.getMessage());
  }

  @Test
  void malformedArchivesAreNamed() throws IOException {
    byte[] layer = layerTar("f", "x");
    Path noManifest = legacyArchive(null, null, false, new Object[] {"aaa/layer.tar", layer});
    OciException e = assertThrows(OciException.class, () -> DockerArchive.read(noManifest, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().endsWith("no manifest.json (archives saved by Docker before 1.10 are not supported)"), e.getMessage());
    Path missing = legacyArchive("[{\"Config\":\"c.json\",\"Layers\":[\"nope/layer.tar\"]}]", null, false, new Object[] {"c.json", utf8("{}")});
    e = assertThrows(OciException.class, () -> DockerArchive.read(missing, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().endsWith("manifest.json[0].Layers[0]: \"nope/layer.tar\" is not in the archive"), e.getMessage());
    Path escaping = legacyArchive("[{\"Config\":\"../../etc/passwd\",\"Layers\":[]}]", null, false);
    e = assertThrows(OciException.class, () -> DockerArchive.read(escaping, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().contains("leads outside the archive"), e.getMessage());
    Path badJson = legacyArchive("{\"Config\":1}", null, false);
    e = assertThrows(OciException.class, () -> DockerArchive.read(badJson, ContentStore.at(dir.resolve("s"))));
    assertTrue(e.getMessage().contains("manifest.json: "), e.getMessage());
  }

  @Test
  void weReadWhatSkopeoSavesAsDockerArchive() throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    Path ours = dir.resolve("ours");
    Image original = InteropTest.writeBusyboxImage(ours, dir, "busybox");
    Path archive = dir.resolve("saved.tar");
    Tools.ok(skopeo, "--insecure-policy", "copy", "--additional-tag", "other:v1", "oci:" + ours + ":busybox", "docker-archive:" + archive + ":busybox:latest");
    OciLayout layout = OciLayout.create(dir.resolve("imported"));
    List<DockerArchive.Entry> entries = DockerArchive.importInto(archive, layout);
    assertEquals(1, entries.size());
    assertEquals(List.of("docker.io/library/busybox:latest", "docker.io/library/other:v1"), entries.getFirst().repoTags());
    Image imported = entries.getFirst().image();
    assertEquals(original.manifest().config().digest(), imported.manifest().config().digest(), "the config travels byte for byte");
    assertEquals(original.config().rootfs().diffIds(), imported.config().rootfs().diffIds());
    new LayerUnpacker().unpack(layout.store(), imported, dir.resolve("rootfs"));
    assertEquals(Digest.sha256(Files.readAllBytes(dir.resolve("busybox-root/bin/busybox"))), Digest.sha256(Files.readAllBytes(dir.resolve("rootfs/bin/busybox"))));
    // and the layout we made of it is one skopeo reads
    String inspected = Tools.ok(skopeo, "--insecure-policy", "inspect", "oci:" + layout.dir() + ":docker.io/library/other:v1").stdout();
    assertTrue(inspected.contains(imported.descriptor().digest().toString()), inspected);
  }
}
