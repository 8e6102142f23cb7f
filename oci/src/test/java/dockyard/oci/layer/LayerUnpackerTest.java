package dockyard.oci.layer;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.DigestMismatchException;
import dockyard.oci.Layer;
import dockyard.oci.MediaTypes;
import dockyard.oci.OciException;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarFormatException;
import dockyard.oci.testing.OnDisk;
import dockyard.oci.testing.RandomTree;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
  @TempDir Path dir;

  private Path target() {
    return dir.resolve("rootfs");
  }

  private void unpack(byte[]... layers) throws IOException {
    List<LayerUnpacker.Source> sources = new ArrayList<>();
    for (int i = 0; i < layers.length; i++) sources.add(Layers.source("layer" + i, layers[i]));
    new LayerUnpacker().unpack(sources, target());
  }

  /** The unpack fails with {@code type}, names the entry, and leaves neither the target nor a temporary directory. */
  private <T extends Exception> T refused(Class<T> type, String entryInMessage, byte[]... layers) throws IOException {
    T e = assertThrows(type, () -> unpack(layers));
    if (entryInMessage != null) assertTrue(e.getMessage().contains("\"" + entryInMessage + "\""), e.getMessage());
    assertFalse(Files.exists(target(), LinkOption.NOFOLLOW_LINKS), "no target after a failure");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().contains(".unpack-")).toList(), "no temporary directory left");
    }
    return e;
  }

  @Property(tries = 60)
  void aRandomTreeUnpacksExactlyAsArchived(@ForAll long seed) throws IOException {
    boolean root = Tools.isRoot();
    List<RandomTree.Item> items = new ArrayList<>();
    for (RandomTree.Item i : RandomTree.generate(seed, root)) {
      TarEntry e = i.entry();
      // the generator's "../x" targets climb out of top-level directories; those are refused (tested below)
      if (e.type() == TarEntry.Type.SYMLINK && !RootPaths.staysInside(List.of(e.name().split("/")).subList(0, e.name().split("/").length - 1), e.linkName())) {
        e = TarEntry.symlink(e.name(), "/" + e.linkName().replace("../", "")).withOwner(e.uid(), e.gid()).withModified(e.modified());
      }
      items.add(new RandomTree.Item(e, i.data()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (dockyard.oci.tar.TarWriter w = new dockyard.oci.tar.TarWriter(out)) {
      for (RandomTree.Item i : items) w.add(i.entry(), i.data());
    }
    Path t = Files.createTempDirectory("unpack-prop").resolve("root");
    try {
      new LayerUnpacker().unpack(List.of(Layers.source("random", out.toByteArray())), t);
      for (RandomTree.Item i : items) OnDisk.check(t, i, root, true, false);
    } finally {
      dockyard.oci.fs.SafeFiles.deleteTree(t.getParent());
    }
  }

  @Test
  void gzipAndPlainLayersAreToldApartByTheirBytes() throws IOException {
    byte[] a = Layers.tar().dir("etc").file("etc/hostname", "plain\n").bytes();
    byte[] b = Layers.tar().file("etc/motd", "gzipped\n").gzip();
    unpack(a, b);
    assertEquals("plain\n", Files.readString(target().resolve("etc/hostname")));
    assertEquals("gzipped\n", Files.readString(target().resolve("etc/motd")));
    assertEquals(0755, (Integer) Files.getAttribute(target(), "unix:mode") & 07777);
  }

  @Test
  void whiteoutsRemoveFromLowerLayersOnly() throws IOException {
    byte[] lower = Layers.tar().dir("a").file("a/x", "x").file("a/y", "y").dir("a/sub").file("a/sub/z", "z")
        .file("b", "b").dir("c").file("c/keep", "lower").dir("c/sub").file("c/sub/old", "old").dir("gone").file("gone/deep", "d").bytes();
    byte[] upper = Layers.tar()
        .file("a/.wh.x", "")
        .file(".wh.b", "")
        .file(".wh.gone", "")
        .file("c/new-before", "upper")
        .file("c/.wh..wh..opq", "")
        .dir("c/sub").file("c/sub/new", "n")
        .file("d/.wh.nothing-here", "")
        .file("e/made-here", "e").file("e/.wh.made-here", "")
        .file(".wh..wh.plnk", "")
        .bytes();
    unpack(lower, upper);
    Path r = target();
    assertFalse(Files.exists(r.resolve("a/x")));
    assertEquals("y", Files.readString(r.resolve("a/y")));
    assertEquals("z", Files.readString(r.resolve("a/sub/z")));
    assertFalse(Files.exists(r.resolve("b")));
    assertFalse(Files.exists(r.resolve("gone")), "a whiteout removes a whole directory");
    try (Stream<Path> c = Files.list(r.resolve("c"))) {
      assertEquals(List.of("new-before", "sub"), c.map(p -> p.getFileName().toString()).sorted().toList(), "opaque: nothing from below");
    }
    try (Stream<Path> c = Files.list(r.resolve("c/sub"))) {
      assertEquals(List.of("new"), c.map(p -> p.getFileName().toString()).toList(), "opaque reaches into directories this layer reuses");
    }
    assertEquals("e", Files.readString(r.resolve("e/made-here")), "a whiteout does not hide its own layer's file");
    try (Stream<Path> all = Files.walk(r)) {
      assertEquals(List.of(), all.filter(p -> p.getFileName().toString().startsWith(".wh.")).toList(), "whiteouts are not files");
    }
  }

  @Test
  void namesWithDotDotAreRefused() throws IOException {
    refused(UnsafeLayerException.class, "../evil", Layers.tar().file("../evil", "x").bytes());
    refused(UnsafeLayerException.class, "a/../../evil", Layers.tar().dir("a").file("a/../../evil", "x").bytes());
    refused(UnsafeLayerException.class, "ok/../fine", Layers.tar().file("ok/../fine", "x").bytes());
    assertFalse(Files.exists(dir.resolve("evil")));
  }

  @Test
  void absoluteNamesAreInsideTheRoot() throws IOException {
    unpack(Layers.tar().file("/etc/dockyard-absolute-test", "inside").file("./rel", "r").bytes());
    assertEquals("inside", Files.readString(target().resolve("etc/dockyard-absolute-test")));
    assertFalse(Files.exists(Path.of("/etc/dockyard-absolute-test")));
    assertEquals("r", Files.readString(target().resolve("rel")));
  }

  @Test
  void symlinksAreResolvedInsideTheRootAndNeverOut() throws IOException {
    // an absolute symlink names a place in the image: writing through it stays in the root
    unpack(Layers.tar().symlink("etc-link", "/etc").file("etc-link/dockyard-via-link", "inside").bytes());
    assertEquals("inside", Files.readString(target().resolve("etc/dockyard-via-link")));
    assertFalse(Files.exists(Path.of("/etc/dockyard-via-link")));
    dockyard.oci.fs.SafeFiles.deleteTree(target());

    refused(UnsafeLayerException.class, "up", Layers.tar().symlink("up", "../../..").bytes());
    refused(UnsafeLayerException.class, "d/up", Layers.tar().dir("d").symlink("d/up", "../..").bytes());
    refused(UnsafeLayerException.class, "b", Layers.tar().symlink("a", "b").symlink("b", "../x").bytes());
    UnsafeLayerException loop = refused(UnsafeLayerException.class, "l1/file",
        Layers.tar().symlink("l1", "l2").symlink("l2", "l1").file("l1/file", "x").bytes());
    assertTrue(loop.getMessage().contains("too many levels of symbolic links"), loop.getMessage());
    UnsafeLayerException notDir = refused(UnsafeLayerException.class, "f/child", Layers.tar().file("f", "x").file("f/child", "y").bytes());
    assertTrue(notDir.getMessage().contains("/f is not a directory"), notDir.getMessage());
  }

  @Test
  void linksAlreadyInTheRootCannotLeadOut() throws IOException {
    // a root prepared by someone else (or an earlier, in-place apply) with links pointing out of it
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("victim"), "untouched");
    Path root = Files.createDirectories(dir.resolve("existing-root"));
    Files.createSymbolicLink(root.resolve("esc"), Path.of("../outside"));
    Files.createSymbolicLink(root.resolve("victim-link"), outside.resolve("victim"));
    LayerUnpacker unpacker = new LayerUnpacker();

    UnsafeLayerException e = assertThrows(UnsafeLayerException.class,
        () -> unpacker.apply(new ByteArrayInputStream(Layers.tar().file("esc/victim", "overwritten").bytes()), root, "upper"));
    assertEquals("upper: entry \"esc/victim\": the symlink /esc -> ../outside leads outside the root", e.getMessage());
    e = assertThrows(UnsafeLayerException.class,
        () -> unpacker.apply(new ByteArrayInputStream(Layers.tar().hardlink("h", "esc/victim").bytes()), root, "upper"));
    assertTrue(e.getMessage().contains("leads outside the root"), e.getMessage());
    // a file entry replaces a symlink; it never writes through it
    unpacker.apply(new ByteArrayInputStream(Layers.tar().file("victim-link", "replaced").bytes()), root, "upper");
    assertEquals("replaced", Files.readString(root.resolve("victim-link")));
    assertFalse(Files.isSymbolicLink(root.resolve("victim-link")));
    // an absolute symlink in the root is read as the image would read it
    Files.createSymbolicLink(root.resolve("abs"), Path.of(outside.toString()));
    unpacker.apply(new ByteArrayInputStream(Layers.tar().file("abs/victim", "inside").bytes()), root, "upper");
    assertEquals("inside", Files.readString(root.resolve(outside.toString().substring(1)).resolve("victim")));
    assertEquals("untouched", Files.readString(outside.resolve("victim")));
  }

  @Test
  void hardlinksMustPointAtSomethingInsideTheRoot() throws IOException {
    refused(UnsafeLayerException.class, "h", Layers.tar().hardlink("h", "../outside/secret").bytes());
    UnsafeLayerException missing = refused(UnsafeLayerException.class, "h", Layers.tar().hardlink("h", "/etc/passwd").bytes());
    assertTrue(missing.getMessage().endsWith("hardlink target \"/etc/passwd\" does not exist"), missing.getMessage());
    refused(UnsafeLayerException.class, "h", Layers.tar().dir("d").hardlink("h", "d").bytes());
    refused(UnsafeLayerException.class, "h", Layers.tar().file("f", "x").hardlink("h", "nowhere/f").bytes());
    unpack(Layers.tar().file("f", "shared").hardlink("h", "/f").bytes(), Layers.tar().hardlink("h2", "h").bytes());
    assertTrue(Files.isSameFile(target().resolve("f"), target().resolve("h2")));
  }

  @Test
  void deviceNodesNeedPrivilege() throws IOException {
    byte[] layer = Layers.tar().entry(TarEntry.device(TarEntry.Type.CHAR_DEVICE, "dev/null", 0666, 1, 3)).bytes();
    UnsafeLayerException e = assertThrows(UnsafeLayerException.class,
        () -> new LayerUnpacker(UnpackOptions.unprivileged()).unpack(List.of(Layers.source("layer", layer)), target()));
    assertEquals("layer: entry \"dev/null\": device node (1, 3) can only be created by root", e.getMessage());
    assertFalse(Files.exists(target()));
    if (Tools.isRoot()) {
      unpack(layer);
      assertEquals(0020000, (Integer) Files.getAttribute(target().resolve("dev/null"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
    }
  }

  @Test
  void unprivilegedUnpackingKeepsTheCallersOwnership() throws IOException {
    byte[] layer = Layers.tar().entry(TarEntry.file("f", 1, 04755).withOwner(1234, 5678), new byte[] {1}).bytes();
    new LayerUnpacker(UnpackOptions.unprivileged()).unpack(List.of(Layers.source("layer", layer)), target());
    Path f = target().resolve("f");
    assertEquals(Files.getAttribute(dir, "unix:uid"), Files.getAttribute(f, "unix:uid"));
    assertEquals(04755, (Integer) Files.getAttribute(f, "unix:mode") & 07777);
  }

  @Test
  void truncatedOrCorruptLayersLeaveNothing() throws IOException {
    byte[] good = Layers.tar().dir("d").file("d/big", "x".repeat(5000)).file("d/after", "a").bytes();
    for (int cut : new int[] {100, 512, 1024 + 700, 3000, good.length - 1024}) {
      TarFormatException e = refused(TarFormatException.class, null, Arrays.copyOf(good, cut));
      assertTrue(e.getMessage().startsWith("layer0: truncated tar"), e.getMessage());
    }
    byte[] gz = Layers.tar().dir("d").file("d/big", "y".repeat(50_000)).gzip();
    OciException e = refused(OciException.class, null, Arrays.copyOf(gz, gz.length / 2));
    assertTrue(e.getMessage().startsWith("layer0: corrupt or truncated gzip stream"), e.getMessage());
    byte[] flipped = gz.clone();
    flipped[flipped.length - 6] ^= 1; // the CRC in the gzip trailer
    e = refused(OciException.class, null, flipped);
    assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
    e = refused(OciException.class, null, zstd);
    assertEquals("layer0: zstd-compressed content is not supported (only plain tar and gzip)", e.getMessage());
  }

  @Test
  void aLayerThatDoesNotMatchItsDigestLeavesNothing() throws IOException {
    ContentStore store = ContentStore.at(dir.resolve("store"));
    Descriptor blob = store.putBytes(MediaTypes.OCI_LAYER, Layers.tar().file("f", "original").bytes());
    byte[] evil = Layers.tar().file("f", "tampered").bytes();
    assertEquals(Files.size(store.path(blob.digest())), evil.length);
    Files.write(store.path(blob.digest()), evil);
    DigestMismatchException e = assertThrows(DigestMismatchException.class,
        () -> new LayerUnpacker().unpack(List.of(LayerUnpacker.Source.of(store, blob)), target()));
    assertTrue(e.getMessage().contains("expected " + blob.digest()), e.getMessage());
    assertFalse(Files.exists(target()));
  }

  @Test
  void aLayerUnpackedWhileStoredIsStoredOnlyWhenItMatches() throws IOException {
    byte[] good = Layers.tar().file("f", "original").bytes();
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, dockyard.oci.Digest.sha256(good), good.length);
    ContentStore store = ContentStore.at(dir.resolve("store"));

    // same length, other bytes: unpacked into the temporary tree, refused at the end
    byte[] evil = Layers.tar().file("f", "tampered").bytes();
    assertEquals(good.length, evil.length);
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> new LayerUnpacker().unpack(
        List.of(LayerUnpacker.Source.storing(store, blob, Layers.source("download", evil))), target()));
    assertTrue(e.getMessage().contains("expected " + blob.digest()), e.getMessage());
    assertFalse(Files.exists(target()), "no target");
    assertFalse(store.exists(blob.digest()), "no blob");
    // longer than the descriptor: fails as soon as it is; shorter: fails at the end
    byte[] longer = Arrays.copyOf(good, good.length + 512);
    assertThrows(DigestMismatchException.class, () -> new LayerUnpacker().unpack(
        List.of(LayerUnpacker.Source.storing(store, blob, Layers.source("download", longer))), target()));
    byte[] shorter = Arrays.copyOf(good, good.length - 512);
    assertThrows(OciException.class, () -> new LayerUnpacker().unpack(
        List.of(LayerUnpacker.Source.storing(store, blob, Layers.source("download", shorter))), target()));
    assertFalse(Files.exists(target()));
    assertFalse(store.exists(blob.digest()));
    try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
      assertEquals(List.of(), s.toList(), "no temporary blob files left");
    }

    // bytes that break the unpacking (a gzip stream with a byte flipped) are reported as the
    // download's mismatch, not as the broken gzip they also are
    byte[] gz = Layers.tar().file("f", "original").gzip();
    Descriptor gzBlob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, dockyard.oci.Digest.sha256(gz), gz.length);
    byte[] flipped = gz.clone();
    flipped[gz.length / 2] ^= 0x55;
    DigestMismatchException m = assertThrows(DigestMismatchException.class, () -> new LayerUnpacker().unpack(
        List.of(LayerUnpacker.Source.storing(store, gzBlob, Layers.source("download", flipped))), target()));
    assertTrue(m.getMessage().contains("expected " + gzBlob.digest()), m.getMessage());
    assertFalse(Files.exists(target()));
    assertFalse(store.exists(gzBlob.digest()));

    // the right bytes: unpacked, and stored as they were read
    new LayerUnpacker().unpack(List.of(LayerUnpacker.Source.storing(store, blob, Layers.source("download", good))), target());
    assertEquals("original", Layers.read(target().resolve("f")));
    assertArrayEquals(good, Files.readAllBytes(store.path(blob.digest())));
  }

  @Test
  void theTargetMustNotExist() throws IOException {
    Files.createDirectories(target());
    assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> unpack(Layers.tar().file("f", "x").bytes()));
  }

  @Test
  void metadataIsRestoredAfterChildrenAreWritten() throws IOException {
    Instant t = Instant.parse("2001-02-03T04:05:06.123456789Z");
    byte[] layer = Layers.tar()
        .entry(TarEntry.directory("ro", 0555).withModified(t).withOwner(42, 43))
        .entry(TarEntry.file("ro/f", 1, 0600).withModified(t), new byte[] {7})
        .entry(TarEntry.fifo("ro/fifo", 0640).withModified(t))
        .entry(TarEntry.symlink("ro/link", "f").withModified(t))
        .bytes();
    new LayerUnpacker(UnpackOptions.defaults().withDurable(true)).unpack(List.of(Layers.source("l", layer)), target());
    Path ro = target().resolve("ro");
    assertEquals(0555, (Integer) Files.getAttribute(ro, "unix:mode") & 07777);
    assertEquals(t, Files.getLastModifiedTime(ro).toInstant());
    assertEquals(t, Files.getLastModifiedTime(ro.resolve("fifo"), LinkOption.NOFOLLOW_LINKS).toInstant());
    assertEquals(t, Files.getLastModifiedTime(ro.resolve("link"), LinkOption.NOFOLLOW_LINKS).toInstant());
    if (Tools.isRoot()) assertEquals(42, Files.getAttribute(ro, "unix:uid"));
  }

  @Test
  void lateMetadataIsNotSetThroughADirectoryLaterReplacedByASymlink() throws IOException {
    // "a/b" gets its mode at the end of the layer; by then "a" is a symlink to a host directory with a "b"
    Path outside = Files.createDirectories(dir.resolve("outside/b"));
    Files.setAttribute(outside, "unix:mode", 0755);
    java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(outside);
    byte[] layer = Layers.tar()
        .entry(TarEntry.directory("a", 0755))
        .entry(TarEntry.directory("a/b", 0700).withModified(Instant.EPOCH))
        .symlink("a", dir.resolve("outside").toString())
        .bytes();
    unpack(layer);
    assertTrue(Files.isSymbolicLink(target().resolve("a")));
    assertEquals(0755, (Integer) Files.getAttribute(outside, "unix:mode") & 07777, "the host directory kept its mode");
    assertEquals(before, Files.getLastModifiedTime(outside));
  }

  @Test
  void durableUnpackingNeverOpensWhatReplacedADirectory() {
    byte[] lower = assertDoesNotThrow(() -> Layers.tar().dir("d").file("d/f", "x").bytes());
    byte[] upper = assertDoesNotThrow(() -> Layers.tar().file(".wh.d", "").entry(TarEntry.fifo("d", 0644)).bytes());
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> new LayerUnpacker(UnpackOptions.defaults().withDurable(true))
        .unpack(List.of(Layers.source("lower", lower), Layers.source("upper", upper)), target()));
    assertEquals(0010000, assertDoesNotThrow(() -> (Integer) Files.getAttribute(target().resolve("d"), "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 0170000);
  }
}
