package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.oci.Descriptor;
import dockyard.oci.ImageConfig;
import dockyard.oci.Layer;
import dockyard.oci.OciLayout;
import dockyard.oci.Platform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile or damaged images: each is refused with an error naming the YAML line and the problem,
 * the output directory is not created, and nothing half-unpacked is left in the cache.
 */
class BadInputTest {
  @TempDir Path tmp;

  /** A layer tar written by Python's tarfile, which writes whatever names it is given. */
  static byte[] pythonTar(String script) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", """
        import io, sys, tarfile
        buf = io.BytesIO()
        t = tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT)
        def f(name, data=b"x"):
            i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
        def d(name):
            i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
        def l(name, target):
            i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
        """ + script + "\nt.close()\nsys.stdout.buffer.write(buf.getvalue())\n").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) throw new AssertionError("python3 failed");
    return out;
  }

  /** An OCI layout at DIR holding one image tagged v1 made of {@code tar}. */
  Path layoutWith(String name, byte[] tar) throws IOException {
    OciLayout layout = OciLayout.create(tmp.resolve(name));
    Layer layer = layout.putLayer(new ByteArrayInputStream(tar));
    layout.writeImage("v1", Platform.LINUX_AMD64, ImageConfig.Config.EMPTY.withCmd(List.of("/bin/true")), List.of(layer));
    return layout.dir();
  }

  /** Builds a one-container YAML over {@code image} into a fresh cache; returns the error. */
  IOException refused(String image) throws Exception {
    Path yml = tmp.resolve("bad.yml");
    Files.writeString(yml, "onboot:\n  - name: x\n    image: " + image + "\n");
    Path out = tmp.resolve("out");
    Path cache = tmp.resolve("cache");
    IOException e = assertThrows(IOException.class, () -> LinuxKit.build(List.of(yml),
        LinuxKit.BuildOptions.defaults(out).withCache(cache).withFormats(List.of("tar"))));
    assertTrue(e.getMessage().startsWith(yml + ":3: onboot[0].image: image " + image + ": "), e.getMessage());
    assertFalse(Files.exists(out), "the output directory was created");
    Path rootfs = cache.resolve("rootfs");
    if (Files.isDirectory(rootfs)) {
      try (Stream<Path> s = Files.list(rootfs)) {
        assertTrue(s.findAny().isEmpty(), "something was left in " + rootfs);
      }
    }
    return e;
  }

  @Test
  void aLayerWhoseBytesChangedIsADigestMismatch() throws Exception {
    Path dir = layoutWith("corrupt", pythonTar("d('bin')\nf('bin/tool', b'original contents')"));
    OciLayout layout = OciLayout.open(dir);
    Descriptor layer = layout.readManifest(layout.resolve("v1")).layers().getFirst();
    Path blob = dir.resolve(layer.digest().blobPath());
    byte[] bytes = Files.readAllBytes(blob);
    int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("original");
    bytes[at] = 'O';
    Files.write(blob, bytes);
    IOException e = refused("oci:" + dir + ":v1");
    assertTrue(e.getMessage().contains("digest mismatch") && e.getMessage().contains(layer.digest().toString()), e.getMessage());
  }

  @Test
  void dotDotInALayerIsRefused() throws Exception {
    Path dir = layoutWith("dotdot", pythonTar("f('../../etc/evil')"));
    IOException e = refused("oci:" + dir + ":v1");
    assertTrue(e.getMessage().contains("\"../../etc/evil\"") && e.getMessage().contains(".."), e.getMessage());
  }

  @Test
  void aSymlinkClimbingOutOfTheRootIsRefused() throws Exception {
    Path dir = layoutWith("climb", pythonTar("l('escape', '../../../../../../tmp')\nf('escape/pwned')"));
    IOException e = refused("oci:" + dir + ":v1");
    assertTrue(e.getMessage().contains("escape"), e.getMessage());
  }

  @Test
  void anAbsoluteSymlinkResolvesInsideTheImageNotOnTheHost() throws Exception {
    String canary = "dockyard-canary-" + ProcessHandle.current().pid();
    Path dir = layoutWith("abs", pythonTar("l('abs', '/tmp/" + canary + "')\nd('tmp')\nd('tmp/" + canary + "')\nf('abs/pwned', b'inside')"));
    Path yml = tmp.resolve("abs.yml");
    Files.writeString(yml, "onboot:\n  - name: x\n    image: oci:" + dir + ":v1\n");
    LinuxKit.build(List.of(yml), LinuxKit.BuildOptions.defaults(tmp.resolve("out")).withCache(tmp.resolve("cache")).withFormats(List.of("tar")));
    assertFalse(Files.exists(Path.of("/tmp", canary)), "a file was written on the host through the image's symlink");
    List<String> listing = TestImages.run(null, "tar", "-tf", tmp.resolve("out/abs.tar").toString());
    assertTrue(listing.contains("containers/onboot/000-x/lower/tmp/" + canary + "/pwned"), listing.toString());
    assertTrue(listing.contains("containers/onboot/000-x/lower/abs"), listing.toString());
  }

  @Test
  void aTruncatedLayerIsRefused() throws Exception {
    byte[] tar = pythonTar("f('big', b'y' * 100000)");
    Path dir = layoutWith("short", Arrays.copyOf(tar, 50000));
    IOException e = refused("oci:" + dir + ":v1");
    assertTrue(e.getMessage().toLowerCase().contains("truncated") || e.getMessage().contains("end of"), e.getMessage());
  }

  @Test
  void aKernelImageWithoutItsKernelTarIsRefused() throws Exception {
    Path dir = layoutWith("nokernel", pythonTar("f('kernel', b'not really a kernel')"));
    Path yml = tmp.resolve("k.yml");
    Files.writeString(yml, "kernel:\n  image: oci:" + dir + ":v1\n  cmdline: console=ttyS0\n");
    IOException e = assertThrows(IOException.class, () -> LinuxKit.build(List.of(yml),
        LinuxKit.BuildOptions.defaults(tmp.resolve("out")).withCache(tmp.resolve("cache"))));
    assertTrue(e.getMessage().contains("did not find kernel tar \"kernel.tar\""), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out")));
  }
}
