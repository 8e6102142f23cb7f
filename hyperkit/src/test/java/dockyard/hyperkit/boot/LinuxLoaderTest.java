package dockyard.hyperkit.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.hyperkit.kvm.Kvm;
import dockyard.hyperkit.kvm.KvmVm;
import dockyard.hyperkit.memory.GuestMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The zero page and layout the boot protocol asks for, checked on Debian's bzImage (runs on any KVM host). */
class LinuxLoaderTest {
  @Test
  void zeroPageHasTheHeaderCommandLineInitrdAndE820() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/kvm")), "/dev/kvm is not available");
    Path kernel = dockyard.hyperkit.LinuxBootTestKernel.find();
    byte[] bz = Files.readAllBytes(kernel);
    byte[] initrd = new byte[3 << 20];
    initrd[0] = 0x1f;
    try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm(); GuestMemory mem = GuestMemory.allocate(vm, 256L << 20)) {
      LinuxLoader.Loaded l = LinuxLoader.load(bz, initrd, "console=ttyS0 quiet", mem);
      assertEquals(0x100200, l.entry());
      long zp = l.zeroPage();
      assertEquals(0x53726448, mem.readInt(zp + 0x202), "setup header copied in");
      assertEquals(0xff, mem.read(zp + 0x210, 1)[0] & 0xff, "type_of_loader");
      assertEquals(0x81, mem.read(zp + 0x211, 1)[0] & 0x81, "LOADED_HIGH and CAN_USE_HEAP");
      assertEquals(LinuxLoader.CMDLINE, mem.readInt(zp + 0x228));
      assertEquals("console=ttyS0 quiet", new String(mem.read(LinuxLoader.CMDLINE, 19)));
      long rd = Integer.toUnsignedLong(mem.readInt(zp + 0x218));
      assertEquals(initrd.length, mem.readInt(zp + 0x21c));
      assertEquals(0, rd % 4096);
      assertTrue(rd + initrd.length <= mem.lowSize(), "initrd inside RAM");
      assertEquals(0x1f, mem.read(rd, 1)[0]);
      int entries = mem.read(zp + 0x1e8, 1)[0];
      assertEquals(3, entries, "conventional, reserved, RAM from 1 MiB (no RAM above 4 GiB at 256 MiB)");
      assertEquals(0x100000, mem.readLong(zp + 0x2d0 + 40));
      assertEquals((256L << 20) - 0x100000, mem.readLong(zp + 0x2d0 + 48));
      int setupSects = bz[0x1f1] == 0 ? 4 : bz[0x1f1] & 0xff;
      byte[] pm = java.util.Arrays.copyOfRange(bz, (setupSects + 1) * 512, (setupSects + 1) * 512 + 4096);
      assertArrayEquals(pm, mem.read(LinuxLoader.KERNEL, 4096), "protected-mode kernel at 1 MiB");
    }
  }

  @Test
  void notABzImageIsRefused() throws Exception {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/kvm")), "/dev/kvm is not available");
    try (Kvm kvm = Kvm.open(); KvmVm vm = kvm.createVm(); GuestMemory mem = GuestMemory.allocate(vm, 16L << 20)) {
      IOException e = assertThrows(IOException.class, () -> LinuxLoader.load(new byte[4096], null, "", mem));
      assertTrue(e.getMessage().contains("not a bzImage"), e.getMessage());
    }
  }
}
