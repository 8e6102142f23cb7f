package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.oci.layer.LayerUnpacker;
import dockyard.oci.layer.LayerWriter;
import dockyard.oci.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layouts we write, read by skopeo and umoci; layouts they write, read by us. */
class InteropTest {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A minimal root file system around Debian's static busybox. */
  static Path busyboxRoot(Path at) throws IOException {
    String busybox = Tools.require("busybox", "busybox-static");
    Path bin = Files.createDirectories(at.resolve("bin"));
    Files.copy(Path.of(busybox), bin.resolve("busybox"));
    Files.setAttribute(bin.resolve("busybox"), "unix:mode", 0755);
    for (String applet : List.of("sh", "ls", "cat", "echo")) Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    Files.createDirectories(at.resolve("etc"));
    Files.writeString(at.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    for (String d : List.of("proc", "sys", "dev", "root")) Files.createDirectories(at.resolve(d));
    Files.createDirectories(at.resolve("tmp"));
    Files.setAttribute(at.resolve("tmp"), "unix:mode", 01777);
    return at;
  }

  /** An OCI layout at {@code layoutDir} with one image, tagged {@code tag}, of a gzip'd busybox layer. */
  static Image writeBusyboxImage(Path layoutDir, Path work, String tag) throws IOException {
    OciLayout layout = OciLayout.create(layoutDir);
    Path root = busyboxRoot(work.resolve("busybox-root"));
    Layer layer = LayerWriter.writeTo(layout.store(), root, LayerWriter.Options.reproducible(), true);
    ImageConfig.Config run = ImageConfig.Config.EMPTY
        .withEnv(List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin")).withCmd(List.of("/bin/sh")).withWorkingDir("/");
    return layout.writeImage(tag, Platform.LINUX_AMD64, run, List.of(layer));
  }

  private static List<String> umociUnpack(String umoci, String image, Path bundle) {
    List<String> cmd = new ArrayList<>(List.of(umoci, "unpack"));
    if (!Tools.isRoot()) cmd.add("--rootless");
    cmd.addAll(List.of("--image", image, bundle.toString()));
    return cmd;
  }

  @Test
  void skopeoInspectsALayoutWeWrote() throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    Path layoutDir = dir.resolve("layout");
    Image image = writeBusyboxImage(layoutDir, dir, "busybox");
    JsonNode info = JSON.readTree(Tools.ok(skopeo, "--insecure-policy", "inspect", "oci:" + layoutDir + ":busybox").stdout());
    assertEquals(image.descriptor().digest().toString(), info.get("Digest").asText());
    assertEquals("amd64", info.get("Architecture").asText());
    assertEquals("linux", info.get("Os").asText());
    assertEquals(image.manifest().layers().getFirst().digest().toString(), info.get("Layers").get(0).asText());
    JsonNode config = JSON.readTree(Tools.ok(skopeo, "--insecure-policy", "inspect", "--config", "oci:" + layoutDir + ":busybox").stdout());
    assertEquals("/bin/sh", config.get("config").get("Cmd").get(0).asText());
    assertEquals(image.config().rootfs().diffIds().getFirst().toString(), config.get("rootfs").get("diff_ids").get(0).asText());
    // a copy makes skopeo read and verify every blob
    Tools.ok(skopeo, "--insecure-policy", "copy", "oci:" + layoutDir + ":busybox", "oci:" + dir.resolve("copy") + ":copied");
  }

  @Test
  void umociUnpacksALayoutWeWrote() throws Exception {
    String umoci = Tools.require("umoci", "umoci");
    Path layoutDir = dir.resolve("layout");
    writeBusyboxImage(layoutDir, dir, "busybox");
    assertEquals("busybox", Tools.ok(umoci, "ls", "--layout", layoutDir.toString()).stdout().trim());
    Path bundle = dir.resolve("bundle");
    Tools.ok(umociUnpack(umoci, layoutDir + ":busybox", bundle));
    Path rootfs = bundle.resolve("rootfs");
    assertEquals(Digest.sha256(Files.readAllBytes(dir.resolve("busybox-root/bin/busybox"))), Digest.sha256(Files.readAllBytes(rootfs.resolve("bin/busybox"))));
    assertEquals(Path.of("busybox"), Files.readSymbolicLink(rootfs.resolve("bin/sh")));
    assertEquals(01777, (Integer) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode") & 07777);
    JsonNode runtimeConfig = JSON.readTree(bundle.resolve("config.json").toFile());
    assertEquals("/bin/sh", runtimeConfig.get("process").get("args").get(0).asText());
  }

  @Test
  void weReadAndUnpackWhatSkopeoCopied() throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    Path ours = dir.resolve("ours");
    Image original = writeBusyboxImage(ours, dir, "busybox");
    Path theirs = dir.resolve("theirs");
    Tools.ok(skopeo, "--insecure-policy", "copy", "oci:" + ours + ":busybox", "oci:" + theirs + ":copied");
    OciLayout layout = OciLayout.open(theirs);
    assertEquals(List.of("copied"), layout.tags());
    Image copied = layout.readImage("copied", PlatformSelector.defaultSelector());
    assertEquals(original.config().rootfs(), copied.config().rootfs());
    Path rootfs = dir.resolve("unpacked");
    new LayerUnpacker().unpack(layout.store(), copied, rootfs);
    assertEquals(Digest.sha256(Files.readAllBytes(dir.resolve("busybox-root/bin/busybox"))), Digest.sha256(Files.readAllBytes(rootfs.resolve("bin/busybox"))));
  }

  @Test
  void weReadUmociImagesWithWhiteoutsItMade() throws Exception {
    String umoci = Tools.require("umoci", "umoci");
    Path layoutDir = dir.resolve("umoci-layout");
    Tools.ok(umoci, "init", "--layout", layoutDir.toString());
    Tools.ok(umoci, "new", "--image", layoutDir + ":base");
    Path bundle = dir.resolve("bundle");
    Tools.ok(umociUnpack(umoci, layoutDir + ":base", bundle));
    Path rootfs = bundle.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("etc/conf.d"));
    Files.writeString(rootfs.resolve("etc/keep"), "kept\n");
    Files.writeString(rootfs.resolve("etc/remove-me"), "soon gone\n");
    Files.writeString(rootfs.resolve("etc/conf.d/old"), "old\n");
    Files.createSymbolicLink(rootfs.resolve("etc/link"), Path.of("keep"));
    Tools.ok(umoci, "repack", "--image", layoutDir + ":v1", bundle.toString());
    // umoci diffs a bundle against the image it was unpacked from: start again from v1
    bundle = dir.resolve("bundle-v1");
    Tools.ok(umociUnpack(umoci, layoutDir + ":v1", bundle));
    rootfs = bundle.resolve("rootfs");
    Files.delete(rootfs.resolve("etc/remove-me"));
    Files.delete(rootfs.resolve("etc/conf.d/old"));
    Files.writeString(rootfs.resolve("etc/conf.d/new"), "new\n");
    Files.writeString(rootfs.resolve("etc/keep"), "changed\n");
    Tools.ok(umoci, "repack", "--image", layoutDir + ":v2", bundle.toString());
    Tools.ok(umoci, "config", "--image", layoutDir + ":v2", "--config.cmd", "/bin/true", "--config.env", "A=1");

    OciLayout layout = OciLayout.open(layoutDir);
    Image v2 = layout.readImage("v2", PlatformSelector.defaultSelector());
    assertEquals(List.of("/bin/true"), v2.config().config().cmd());
    assertTrue(v2.config().config().env().contains("A=1"), v2.config().config().env().toString());
    assertTrue(v2.manifest().layers().size() >= 2, v2.manifest().toString());
    List<String> lastLayer = new ArrayList<>();
    try (var tar = new dockyard.oci.tar.TarReader(new java.util.zip.GZIPInputStream(layout.store().open(v2.manifest().layers().getLast())))) {
      for (dockyard.oci.tar.TarEntry e; (e = tar.next()) != null; ) lastLayer.add(e.name());
    }
    assertTrue(lastLayer.stream().anyMatch(n -> n.endsWith("etc/.wh.remove-me")), "umoci wrote a whiteout: " + lastLayer);
    Path ours = dir.resolve("ours");
    new LayerUnpacker().unpack(layout.store(), v2, ours);
    assertEquals("changed\n", Files.readString(ours.resolve("etc/keep")));
    assertEquals("new\n", Files.readString(ours.resolve("etc/conf.d/new")));
    assertFalse(Files.exists(ours.resolve("etc/remove-me"), LinkOption.NOFOLLOW_LINKS), "umoci's whiteout removed it");
    assertFalse(Files.exists(ours.resolve("etc/conf.d/old"), LinkOption.NOFOLLOW_LINKS));
    assertEquals(Path.of("keep"), Files.readSymbolicLink(ours.resolve("etc/link")));
  }
}
