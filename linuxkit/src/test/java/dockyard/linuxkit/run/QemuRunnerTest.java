package dockyard.linuxkit.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuRunnerTest {
  @TempDir Path dir;

  private static QemuRunner.Options options(boolean network, List<String> publish) {
    QemuRunner.Options d = QemuRunner.Options.defaults();
    return new QemuRunner.Options(d.memory(), d.cpus(), d.accel(), network, publish, d.disks(), d.qemu(), d.extra());
  }

  private Path kernelFiles(String name) throws IOException {
    Files.writeString(dir.resolve(name + "-kernel"), "k");
    Files.writeString(dir.resolve(name + "-initrd.img"), "i");
    Files.writeString(dir.resolve(name + "-cmdline"), "console=ttyS0 root=/dev/ram0\n");
    return dir.resolve(name);
  }

  /** The argument after {@code flag}. */
  private static String after(List<String> cmd, String flag) {
    int i = cmd.indexOf(flag);
    assertTrue(i >= 0 && i + 1 < cmd.size(), flag + " in " + cmd);
    return cmd.get(i + 1);
  }

  @Test
  void kernelInitrdCmdline() throws Exception {
    Path p = kernelFiles("linuxkit");
    List<String> cmd = QemuRunner.command(p, QemuRunner.Options.defaults());
    assertEquals("qemu-system-x86_64", cmd.get(0));
    assertEquals(dir.resolve("linuxkit-kernel").toString(), after(cmd, "-kernel"));
    assertEquals(dir.resolve("linuxkit-initrd.img").toString(), after(cmd, "-initrd"));
    assertEquals("console=ttyS0 root=/dev/ram0", after(cmd, "-append"));
    assertEquals("q35,accel=tcg", after(cmd, "-machine"));
    assertEquals("1024", after(cmd, "-m"));
    assertEquals("1", after(cmd, "-smp"));
    assertTrue(cmd.contains("-nographic"));
    assertFalse(cmd.contains("-cdrom"));

    // NAME-kernel names the same build
    assertEquals(cmd, QemuRunner.command(dir.resolve("linuxkit-kernel"), QemuRunner.Options.defaults()));
  }

  @Test
  void missingCmdlineIsEmptyAppend() throws Exception {
    Path p = kernelFiles("x");
    Files.delete(dir.resolve("x-cmdline"));
    assertEquals("", after(QemuRunner.command(p, QemuRunner.Options.defaults()), "-append"));
  }

  @Test
  void iso() throws Exception {
    Path iso = Files.writeString(dir.resolve("linuxkit.iso"), "iso");
    List<String> cmd = QemuRunner.command(iso, QemuRunner.Options.defaults());
    assertEquals(iso.toString(), after(cmd, "-cdrom"));
    assertEquals("d", after(cmd, "-boot"));
    assertFalse(cmd.contains("-kernel"));
  }

  @Test
  void biosImage() throws Exception {
    Path img = Files.writeString(dir.resolve("linuxkit-bios.img"), "img");
    List<String> cmd = QemuRunner.command(img, QemuRunner.Options.defaults());
    assertEquals("file=" + img + ",format=raw,if=virtio", after(cmd, "-drive"));
    assertFalse(cmd.contains("-kernel"));
  }

  @Test
  void missingFilesNamed() throws Exception {
    IOException kernel = assertThrows(IOException.class, () -> QemuRunner.command(dir.resolve("nope"), QemuRunner.Options.defaults()));
    assertTrue(kernel.getMessage().contains(dir.resolve("nope-kernel").toString()), kernel.getMessage());
    assertTrue(kernel.getMessage().contains("not found"), kernel.getMessage());

    Files.writeString(dir.resolve("half-kernel"), "k");
    IOException initrd = assertThrows(IOException.class, () -> QemuRunner.command(dir.resolve("half"), QemuRunner.Options.defaults()));
    assertTrue(initrd.getMessage().contains(dir.resolve("half-initrd.img").toString()), initrd.getMessage());

    IOException iso = assertThrows(IOException.class, () -> QemuRunner.command(dir.resolve("gone.iso"), QemuRunner.Options.defaults()));
    assertTrue(iso.getMessage().contains("gone.iso"), iso.getMessage());
    IOException img = assertThrows(IOException.class, () -> QemuRunner.command(dir.resolve("gone-bios.img"), QemuRunner.Options.defaults()));
    assertTrue(img.getMessage().contains("gone-bios.img"), img.getMessage());
  }

  @Test
  void publish() throws Exception {
    Path p = kernelFiles("lk");
    List<String> cmd = QemuRunner.command(p, options(true, List.of("8080:80", "5353:53/udp")));
    String netdev = after(cmd, "-netdev");
    assertEquals("user,id=t0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53", netdev);
    assertEquals("virtio-net-pci,netdev=t0", cmd.get(cmd.indexOf("-netdev") + 3));
    assertEquals("tcp:127.0.0.1:8080-:80", QemuRunner.publishRule("8080:80"));
  }

  @Test
  void badPublishRefused() throws Exception {
    Path p = kernelFiles("lk");
    for (String bad : List.of("8080", "8080:80:1", "a:80", "8080:80/sctp", "")) {
      IOException e = assertThrows(IOException.class, () -> QemuRunner.command(p, options(true, List.of(bad))), bad);
      assertTrue(e.getMessage().contains("cannot parse publish"), e.getMessage());
    }
  }

  @Test
  void networkingOff() throws Exception {
    Path p = kernelFiles("lk");
    List<String> cmd = QemuRunner.command(p, options(false, List.of("8080:80")));
    assertEquals("none", after(cmd, "-nic"));
    assertFalse(cmd.contains("-netdev"));
    assertEquals(1, Collections.frequency(cmd, "-nic"));
  }

  @Test
  void extraDisksAndArgs() throws Exception {
    Path p = kernelFiles("lk");
    QemuRunner.Options d = QemuRunner.Options.defaults();
    QemuRunner.Options o = new QemuRunner.Options("2G", 4, "kvm", true, List.of(), List.of("data.qcow2", "raw.img"),
        "/opt/qemu", List.of("-s"));
    List<String> cmd = QemuRunner.command(p, o);
    assertEquals("/opt/qemu", cmd.get(0));
    assertEquals("q35,accel=kvm", after(cmd, "-machine"));
    assertEquals("2G", after(cmd, "-m"));
    assertEquals("4", after(cmd, "-smp"));
    assertTrue(cmd.contains("file=data.qcow2,format=qcow2,if=virtio"), cmd.toString());
    assertTrue(cmd.contains("file=raw.img,format=raw,if=virtio"), cmd.toString());
    assertEquals("-s", cmd.getLast());
    assertEquals("tcg", d.accel());
  }
}
