package dockyard.hyperkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.hyperkit.kvm.Kvm;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel with a busybox initramfs, entered through the 64-bit boot protocol: init prints a
 * marker on the serial console and reboots (reboot=k, through the i8042), which ends the VM. On a
 * host whose KVM cannot boot Linux (this project's nested kvm_pvm) it does not run and says why.
 */
class LinuxBootTest {
  @TempDir Path tmp;

  static Path debianKernel() {
    return LinuxBootTestKernel.find();
  }

  @Test
  void debianKernelReachesInitAndReboots() throws Exception {
    Guests.assumeKvm();
    Assumptions.assumeFalse(Kvm.isPvm(), "this host's /dev/kvm is the nested kvm_pvm module: it runs the real-mode and long-mode "
        + "test guests but a stock Linux kernel does not boot under it (checked: no console output within 25 s), so the Linux "
        + "boot test runs only where KVM is the standard kvm_intel/kvm_amd");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
    Path kernel = debianKernel();
    Path root = Files.createDirectories(tmp.resolve("root/bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
    Files.createDirectories(tmp.resolve("root/dev"));
    Files.createDirectories(tmp.resolve("root/proc"));
    Path init = tmp.resolve("root/init");
    Files.writeString(init, "#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\n"
        + "/bin/busybox echo DOCKYARD-LINUX-INIT cpus $(/bin/busybox grep -c ^processor /proc/cpuinfo)\n/bin/busybox reboot -f\n");
    init.toFile().setExecutable(true);
    Path initrd = tmp.resolve("initrd.cpio");
    Process p = new ProcessBuilder("bash", "-c", "cd " + tmp.resolve("root") + " && find . | cpio -o -H newc --quiet > " + initrd).start();
    assertEquals(0, p.waitFor());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VirtualMachine vm = VirtualMachine.builder().kernel(kernel).initrd(initrd).memory(256 << 20)
        .cmdline("console=ttyS0 reboot=k panic=-1").console(out).build()) {
      Thread watchdog = Thread.ofVirtual().start(() -> {
        try {
          Thread.sleep(TimeUnit.SECONDS.toMillis(60));
          vm.stop();
        } catch (InterruptedException e) {
          // finished in time
        }
      });
      VmExit e = vm.run();
      watchdog.interrupt();
      assertTrue(out.toString().contains("DOCKYARD-LINUX-INIT cpus 1"), e + "\n" + out);
      assertEquals(VmExit.Kind.RESET, e.kind(), e + "\n" + out);
    }
  }
}
