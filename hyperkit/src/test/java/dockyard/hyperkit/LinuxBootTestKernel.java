package dockyard.hyperkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Debian's kernel as the 9P harness keeps it (../shared/harness/kernel9p fetches it with apt-get). */
public final class LinuxBootTestKernel {
  private LinuxBootTestKernel() {}

  public static Path find() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path k = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("kernel9p/debian-kernel/boot");
    Assumptions.assumeTrue(Files.isDirectory(k), "no Debian kernel in " + k + " (the 9P harness fetches it: ../shared/harness/kernel9p)");
    try (Stream<Path> s = Files.list(k)) {
      return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).findFirst().orElseThrow();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
