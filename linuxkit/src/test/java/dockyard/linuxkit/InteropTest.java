package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.linuxkit.pkg.PackageBuilder;
import dockyard.oci.OciLayout;
import dockyard.oci.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo and umoci read the layouts pkg build writes. */
class InteropTest {
  @TempDir Path tmp;

  @Test
  void skopeoAndUmociReadPkgBuildLayouts() throws Exception {
    String skopeo = Tools.require("skopeo", "skopeo");
    String umoci = Tools.require("umoci", "umoci");
    OciLayout layout = OciLayout.create(tmp.resolve("layout"));
    PackageBuilder.Result r = new PackageBuilder(s -> {}).build(TestImages.FIXTURES.resolve("busybox"), layout, "1.0", "latest");
    assertEquals("docker.io/dockyard-test/busybox:1.0", r.reference());
    String inspect = Tools.ok(skopeo, "inspect", "--config", "oci:" + layout.dir() + ":latest").stdout();
    assertTrue(inspect.contains("\"Cmd\": [") && inspect.contains("org.mobyproject.config"), inspect);
    assertTrue(inspect.contains("CAP_CHOWN"), inspect);
    Path bundle = tmp.resolve("bundle");
    Tools.ok(umoci, "unpack", "--image", layout.dir() + ":latest", bundle.toString());
    assertTrue(Files.isExecutable(bundle.resolve("rootfs/bin/busybox")));
    assertEquals("busybox", Files.readSymbolicLink(bundle.resolve("rootfs/bin/sh")).toString());
    // a second build of the same directory is the same image
    PackageBuilder.Result again = new PackageBuilder(s -> {}).build(TestImages.FIXTURES.resolve("busybox"), layout, null, null);
    assertEquals(r.image().manifest(), again.image().manifest());
  }
}
