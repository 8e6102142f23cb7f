package dockyard.hyperkit;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The freestanding test guests, compiled by the build (src/test/guest/build.sh into target/guests), and a way to run them. */
final class Guests {
  static final Path DIR = Path.of("target/guests").toAbsolutePath();

  private Guests() {}

  static Path guest(String name) {
    Path p = DIR.resolve(name);
    Assumptions.assumeTrue(Files.isRegularFile(p), p + " was not built (gcc and binutils are needed)");
    return p;
  }

  static void assumeKvm() {
    Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/kvm")), "/dev/kvm is not available to this user");
  }

  /** A builder for {@code name} with the test devices, a captured console, and {@code memory}. */
  static VirtualMachine.Builder vm(String name, long memory, ByteArrayOutputStream console) {
    assumeKvm();
    return VirtualMachine.builder().kernel(guest(name)).memory(memory).console(console)
        .port(TestDevices.PORT, 1, new TestDevices.Port())
        .mmio(TestDevices.MMIO, 0x1000, new TestDevices.Mmio());
  }

  record Run(VmExit exit, String console) {}

  static Run run(VirtualMachine.Builder b, ByteArrayOutputStream console) throws Exception {
    try (VirtualMachine vm = b.build()) {
      VmExit e = vm.run();
      vm.close();
      return new Run(e, console.toString());
    }
  }
}
