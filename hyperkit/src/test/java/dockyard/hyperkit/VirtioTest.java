package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.hyperkit.virtio.BlockBackend;
import dockyard.hyperkit.virtio.VirtioBlock;
import dockyard.hyperkit.virtio.VirtioRng;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each virtio device's queues driven by the guest's polling virtio-mmio driver. */
class VirtioTest {
  @TempDir Path tmp;

  static void assertOk(Guests.Run r, String line) {
    assertEquals(VmExit.Kind.EXITED, r.exit().kind(), r.exit() + "\n" + r.console());
    assertEquals(0, r.exit().code(), r.console());
    assertTrue(r.console().contains(line), "\"" + line + "\" missing from:\n" + r.console());
  }

  @Test
  void rngFillsBuffers() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertOk(Guests.run(Guests.vm("virtio.elf64", 64 << 20, out).virtio(new VirtioRng()).cmdline("test=rng"), out), "OK rng");
  }

  @Test
  void withTheInKernelIrqchipInterruptsGoThroughIrqfdsAndNotifiesThroughIoeventfds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertOk(Guests.run(Guests.vm("virtio.elf64", 64 << 20, out).irqchip(true).virtio(new VirtioRng()).virtioConsole()
        .cmdline("test=rng,console"), out), "OK console");
  }

  @Test
  void notifiesStillWorkAsMmioExitsWithoutIoeventfds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertOk(Guests.run(Guests.vm("virtio.elf64", 64 << 20, out).ioeventfd(false).virtio(new VirtioRng()).cmdline("test=rng"), out), "OK rng");
  }

  @Test
  void rawDiskIsWrittenAndReadBack() throws Exception {
    Path disk = tmp.resolve("disk.img");
    byte[] image = new byte[1 << 20];
    byte[] sector0 = "DOCKYARD-SECTOR0".getBytes();
    System.arraycopy(sector0, 0, image, 0, sector0.length);
    Files.write(disk, image);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
        .virtio(new VirtioBlock(BlockBackend.raw(disk, false), "test-disk")).cmdline("test=blk"), out);
    assertOk(r, "OK blk capacity 2048 sectors");
    StringBuilder hex = new StringBuilder();
    for (byte b : sector0) hex.append(String.format("%02x", b));
    assertTrue(r.console().replace(" ", "").contains(hex), "sector 0 as the guest read it: " + r.console());
    byte[] after = Files.readAllBytes(disk);
    assertTrue(!Arrays.equals(Arrays.copyOfRange(after, 512, 1024), new byte[512]), "the guest's write reached sector 1 of the file");
  }

  @Test
  void qcow2DiskWrittenByTheGuestPassesQemuImgCheck() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed (qemu-utils)");
    Path img = tmp.resolve("disk.qcow2");
    Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "8M").start();
    assertEquals(0, p.waitFor());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out)
        .virtio(new VirtioBlock(dockyard.hyperkit.virtio.Qcow2.open(img, false), "q")).cmdline("test=blk blkloop=64"), out);
    assertOk(r, "OK blk capacity 16384 sectors");
    Process check = new ProcessBuilder("qemu-img", "check", img.toString()).redirectErrorStream(true).start();
    String report = new String(check.getInputStream().readAllBytes());
    assertEquals(0, check.waitFor(), report);
    assertTrue(report.contains("No errors were found"), report);
    Path raw = tmp.resolve("disk.raw");
    assertEquals(0, new ProcessBuilder("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString()).start().waitFor());
    byte[] sector1 = Arrays.copyOfRange(Files.readAllBytes(raw), 512, 1024);
    assertTrue(!Arrays.equals(sector1, new byte[512]), "qemu sees the guest's write to sector 1");
  }

  @Test
  void consoleOutputReachesTheHost() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertOk(Guests.run(Guests.vm("virtio.elf64", 64 << 20, out).virtioConsole().cmdline("test=console"), out), "OK console");
    assertTrue(out.toString().contains("virtio-console says hi"), out.toString());
  }

  @Test
  void severalDevicesAtOnce() throws Exception {
    Path disk = tmp.resolve("d.img");
    Files.write(disk, new byte[64 << 10]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Guests.Run r = Guests.run(Guests.vm("virtio.elf64", 64 << 20, out).virtio(new VirtioRng())
        .virtio(new VirtioBlock(BlockBackend.raw(disk, false), "d")).virtioConsole().cmdline("test=rng,blk,console"), out);
    assertOk(r, "OK rng");
    assertTrue(r.console().contains("OK blk capacity 128 sectors") && r.console().contains("OK console"), r.console());
  }
}
