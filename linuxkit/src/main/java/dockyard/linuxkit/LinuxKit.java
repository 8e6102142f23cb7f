package dockyard.linuxkit;

import dockyard.linuxkit.config.Moby;
import dockyard.linuxkit.image.ImageSource;
import dockyard.linuxkit.output.Outputs;
import dockyard.oci.PlatformSelector;
import dockyard.oci.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The library's front: {@code LinuxKit.build(files, options)} is {@code linuxkit build}. Reads the
 * YAML files, resolves and caches the images, assembles the root file system and writes the formats.
 */
public final class LinuxKit {
  private LinuxKit() {}

  /**
   * @param name base name of the outputs (default: the first YAML's name without .yml/.yaml)
   * @param cacheDir images and unpacked roots, by digest
   * @param diskSizeMiB size of a raw-bios disk, 0 for "fits"
   */
  public record BuildOptions(Path outputDir, String name, List<String> formats, Path cacheDir, boolean pull,
                             PlatformSelector platform, RegistryClient.Options registry, long diskSizeMiB,
                             Consumer<String> log) {
    public BuildOptions {
      Objects.requireNonNull(outputDir, "outputDir");
      formats = List.copyOf(formats);
      Objects.requireNonNull(cacheDir, "cacheDir");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(log, "log");
    }

    public static BuildOptions defaults(Path outputDir) {
      return new BuildOptions(outputDir, null, List.of("kernel+initrd"), defaultCache(), false,
          PlatformSelector.of("linux/amd64"), RegistryClient.Options.defaults(), 0, s -> {});
    }

    public BuildOptions withFormats(List<String> f) {
      return new BuildOptions(outputDir, name, f, cacheDir, pull, platform, registry, diskSizeMiB, log);
    }

    public BuildOptions withCache(Path c) {
      return new BuildOptions(outputDir, name, formats, c, pull, platform, registry, diskSizeMiB, log);
    }

    public BuildOptions withName(String n) {
      return new BuildOptions(outputDir, n, formats, cacheDir, pull, platform, registry, diskSizeMiB, log);
    }

    public BuildOptions withRegistry(RegistryClient.Options r) {
      return new BuildOptions(outputDir, name, formats, cacheDir, pull, platform, r, diskSizeMiB, log);
    }

    public BuildOptions withPull(boolean p) {
      return new BuildOptions(outputDir, name, formats, cacheDir, p, platform, registry, diskSizeMiB, log);
    }

    public BuildOptions withLog(Consumer<String> l) {
      return new BuildOptions(outputDir, name, formats, cacheDir, pull, platform, registry, diskSizeMiB, l);
    }

    public BuildOptions withDiskSize(long mib) {
      return new BuildOptions(outputDir, name, formats, cacheDir, pull, platform, registry, mib, log);
    }
  }

  /** $XDG_CACHE_HOME/dockyard/linuxkit, else ~/.cache/dockyard/linuxkit. */
  public static Path defaultCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("dockyard").resolve("linuxkit");
  }

  public static List<Path> build(List<Path> files, BuildOptions o) throws IOException {
    if (files.isEmpty()) throw new IOException("no YAML file given");
    Outputs.check(o.formats());
    Moby m = Moby.read(files, o.log());
    Builder.Result result;
    try (ImageSource images = new ImageSource(o.cacheDir(), o.registry(), o.pull(), o.platform(), o.log())) {
      result = new Builder(images, o.log()).build(m);
    }
    String name = o.name();
    if (name == null || name.isEmpty()) {
      name = files.getFirst().getFileName().toString().replaceFirst("\\.(yml|yaml)$", "");
    }
    return Outputs.write(result, o.formats(), o.outputDir(), name, o.diskSizeMiB(), o.log());
  }
}
