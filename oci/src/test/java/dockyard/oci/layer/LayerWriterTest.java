package dockyard.oci.layer;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.ContentStore;
import dockyard.oci.Digest;
import dockyard.oci.Layer;
import dockyard.oci.MediaTypes;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarReader;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {
  @TempDir Path dir;

  /** The same tree, built in the order given, with whatever times the file system gives it. */
  private static Path tree(Path at, boolean reverse) throws IOException {
    Files.createDirectories(at);
    List<Runnable> steps = new ArrayList<>();
    steps.add(() -> io(() -> Files.createDirectories(at.resolve("usr/bin"))));
    steps.add(() -> io(() -> Files.writeString(at.resolve("usr/bin/tool"), "#!/bin/sh\necho hi\n")));
    steps.add(() -> io(() -> Files.setAttribute(at.resolve("usr/bin/tool"), "unix:mode", 0755)));
    steps.add(() -> io(() -> Files.createDirectories(at.resolve("etc"))));
    steps.add(() -> io(() -> Files.writeString(at.resolve("etc/a.conf"), "a=1\n")));
    steps.add(() -> io(() -> Files.writeString(at.resolve("etc/b.conf"), "b=2\n")));
    steps.add(() -> io(() -> Files.createSymbolicLink(at.resolve("bin"), Path.of("usr/bin"))));
    steps.add(() -> io(() -> Files.createLink(at.resolve("etc/a-link.conf"), at.resolve("etc/a.conf"))));
    if (reverse) {
      // same content, different creation order (dirs must still exist before their files)
      List<Runnable> r = new ArrayList<>(List.of(steps.get(3), steps.get(5), steps.get(4), steps.get(7), steps.get(0), steps.get(6), steps.get(1), steps.get(2)));
      steps = r;
    }
    for (Runnable s : steps) s.run();
    return at;
  }

  interface IoStep { Object run() throws IOException; }

  private static void io(IoStep s) {
    try {
      s.run();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] layer(Path tree, LayerWriter.Options o) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LayerWriter.write(tree, out, o);
    return out.toByteArray();
  }

  @Test
  void theSameTreeGivesTheSameBytes() throws Exception {
    Path a = tree(dir.resolve("a"), false);
    Thread.sleep(20);
    Path b = tree(dir.resolve("b"), true);
    Files.setLastModifiedTime(b.resolve("etc/b.conf"), FileTime.from(Instant.parse("1999-01-01T00:00:00Z")));
    byte[] first = layer(a, LayerWriter.Options.reproducible());
    assertArrayEquals(first, layer(a, LayerWriter.Options.reproducible()), "twice from the same directory");
    assertArrayEquals(first, layer(b, LayerWriter.Options.reproducible()), "from a copy made in another order at another time");

    List<TarEntry> entries = new ArrayList<>();
    try (TarReader r = new TarReader(new ByteArrayInputStream(first))) {
      for (TarEntry e; (e = r.next()) != null; ) entries.add(e);
    }
    assertEquals(List.of("bin", "etc/", "etc/a-link.conf", "etc/a.conf", "etc/b.conf", "usr/", "usr/bin/", "usr/bin/tool"),
        entries.stream().map(TarEntry::name).toList(), "sorted by name, the first name of a linked file holds the data");
    assertEquals(TarEntry.Type.HARDLINK, entries.get(3).type());
    assertEquals("etc/a-link.conf", entries.get(3).linkName());
    for (TarEntry e : entries) {
      assertEquals(0, e.uid());
      assertEquals(0, e.gid());
      assertEquals("", e.userName());
      assertEquals(Instant.EPOCH, e.modified());
    }
    assertEquals(0755, entries.get(7).mode());
  }

  @Test
  void gnuTarListsOurLayerAsWritten() throws Exception {
    String gnuTar = Tools.require("tar", "tar");
    Path a = tree(dir.resolve("a"), false);
    Path file = dir.resolve("layer.tar");
    Files.write(file, layer(a, LayerWriter.Options.reproducible()));
    Tools.Result r = Tools.ok(gnuTar, "--numeric-owner", "--full-time", "-tvf", file.toString());
    assertEquals("", r.stderr());
    List<String> lines = r.stdout().lines().toList();
    assertEquals(8, lines.size(), r.stdout());
    assertEquals("lrwxrwxrwx 0/0 0 1970-01-01 00:00:00 bin -> usr/bin", lines.get(0).replaceAll(" +", " "));
    assertEquals("-rwxr-xr-x 0/0 18 1970-01-01 00:00:00 usr/bin/tool", lines.get(7).replaceAll(" +", " "));
    assertTrue(lines.get(3).contains("etc/a.conf link to etc/a-link.conf"), lines.get(3));
  }

  @Test
  void socketsAreLeftOutAndFifosKept() throws Exception {
    Path t = Files.createDirectories(dir.resolve("t"));
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(t.resolve("sock")));
      Tools.ok("mkfifo", t.resolve("fifo").toString());
      List<TarEntry> entries = new ArrayList<>();
      try (TarReader r = new TarReader(new ByteArrayInputStream(layer(t, LayerWriter.Options.reproducible())))) {
        for (TarEntry e; (e = r.next()) != null; ) entries.add(e);
      }
      assertEquals(List.of("fifo"), entries.stream().map(TarEntry::name).toList());
      assertEquals(TarEntry.Type.FIFO, entries.getFirst().type());
    }
  }

  @Test
  void writeToStoresTheBlobAndComputesTheDiffIdInOnePass() throws IOException {
    Path a = tree(dir.resolve("a"), false);
    ContentStore store = ContentStore.at(dir.resolve("store"));
    byte[] plain = layer(a, LayerWriter.Options.reproducible());
    Layer gz = LayerWriter.writeTo(store, a, LayerWriter.Options.reproducible(), true);
    assertEquals(MediaTypes.OCI_LAYER_GZIP, gz.blob().mediaType());
    assertEquals(Digest.sha256(plain), gz.diffId());
    try (GZIPInputStream in = new GZIPInputStream(store.open(gz.blob()))) {
      assertArrayEquals(plain, in.readAllBytes());
    }
    Layer again = LayerWriter.writeTo(store, a, LayerWriter.Options.reproducible(), true);
    assertEquals(gz, again, "compressed output is reproducible too");
    Layer raw = LayerWriter.writeTo(store, a, LayerWriter.Options.reproducible(), false);
    assertEquals(Digest.sha256(plain), raw.blob().digest());
    assertEquals(raw.blob().digest(), raw.diffId());
  }

  @Test
  void aTreeSurvivesWriteThenUnpack() throws IOException {
    Path a = tree(dir.resolve("a"), false);
    Instant t = Instant.parse("2020-01-01T00:00:00Z");
    new LayerUnpacker().unpack(List.of(Layers.source("l", layer(a, new LayerWriter.Options(t, false)))), dir.resolve("copy"));
    Path c = dir.resolve("copy");
    assertEquals("#!/bin/sh\necho hi\n", Files.readString(c.resolve("bin/tool")));
    assertEquals(Path.of("usr/bin"), Files.readSymbolicLink(c.resolve("bin")));
    assertTrue(Files.isSameFile(c.resolve("etc/a.conf"), c.resolve("etc/a-link.conf")));
    assertEquals(0755, (Integer) Files.getAttribute(c.resolve("usr/bin/tool"), "unix:mode") & 07777);
    assertEquals(t, Files.getLastModifiedTime(c.resolve("usr/bin"), LinkOption.NOFOLLOW_LINKS).toInstant());
  }
}
