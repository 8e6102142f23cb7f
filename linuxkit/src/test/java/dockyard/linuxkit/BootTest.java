package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.linuxkit.run.QemuRunner;
import dockyard.oci.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test: the test YAML built and booted under qemu (TCG), Debian's kernel running our
 * initrd; the test init runs the onboot bundle with crun and starts the service, and the console
 * shows both. The same system as an ISO and as a raw disk boots through isolinux/syslinux.
 */
class BootTest {
  @TempDir Path tmp;

  static final List<String> EXPECTED = List.of(
      "dockyard-init: loaded module overlay.ko",
      "ONBOOT-STEP-RAN hello from files",
      "dockyard-init: onboot 000-hello exited 0",
      "SERVICE-RUNNING as 0",
      "dockyard-init: service web running",
      "ONSHUTDOWN-STEP-RAN",
      "dockyard-init: powering off");

  /** Boots {@code path} and returns the console; fails when qemu runs past the limit. */
  static String boot(Path path) throws Exception {
    Tools.require("qemu-system-x86_64", "qemu-system-x86");
    List<String> cmd = new ArrayList<>(QemuRunner.command(path, new QemuRunner.Options("512", 1, "tcg", false, List.of(), List.of(),
        "qemu-system-x86_64", List.of())));
    Path log = path.resolveSibling(path.getFileName() + ".console");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("qemu did not power off in 150 s; console:\n" + Files.readString(log, StandardCharsets.ISO_8859_1));
    }
    return Files.readString(log, StandardCharsets.ISO_8859_1);
  }

  static void assertInOrder(String console) {
    int at = 0;
    for (String line : EXPECTED) {
      int i = console.indexOf(line, at);
      assertTrue(i >= 0, "\"" + line + "\" missing (in order) from the console:\n" + console);
      at = i + line.length();
    }
  }

  @Test
  void kernelAndInitrdBootAndRunOnbootThenService() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "boot.yml", t.yaml("console=ttyS0 panic=-1 quiet"));
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("out")));
    assertInOrder(boot(tmp.resolve("out/boot")));
  }

  @Test
  void isoAndRawDiskBootThroughSyslinuxAndAreReproducible() throws Exception {
    TestImages t = TestImages.get();
    Tools.require("xorriso", "xorriso");
    Tools.require("syslinux", "syslinux");
    Tools.require("mcopy", "mtools");
    Path yml = t.writeYaml(tmp, "disk.yml", t.yaml("console=ttyS0 panic=-1 quiet"));
    List<String> formats = List.of("iso-bios", "raw-bios");
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("a")).withFormats(formats));
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("b")).withFormats(formats));
    for (String f : List.of("disk.iso", "disk-bios.img")) {
      assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)), Files.readAllBytes(tmp.resolve("b").resolve(f)), f + " differs between builds");
    }
    byte[] mbr = Files.readAllBytes(tmp.resolve("a/disk-bios.img"));
    assertEquals((byte) 0x55, mbr[510]);
    assertEquals((byte) 0xaa, mbr[511]);
    assertEquals((byte) 0x80, mbr[446], "the partition is bootable");
    String iso = boot(tmp.resolve("a/disk.iso"));
    assertTrue(iso.contains("ISOLINUX"), iso);
    assertInOrder(iso);
    String raw = boot(tmp.resolve("a/disk-bios.img"));
    assertTrue(raw.contains("SYSLINUX"), raw);
    assertInOrder(raw);
  }
}
