package dockyard.linuxkit;

import dockyard.linuxkit.pkg.PackageBuilder;
import dockyard.oci.OciLayout;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The images the LinuxKit tests build from, made once per test JVM with our own {@code pkg build}
 * (no internet, no Docker): a kernel image from Debian's kernel package laid out as LinuxKit's are
 * ({@code kernel} plus {@code kernel.tar} with the overlay module under lib/modules), an init image
 * (busybox-static and a test /init that runs the bundles), crun with its libraries as a second init
 * image, and a busybox image for the containers. They sit tagged in a cache layout.
 */
final class TestImages {
  static final Path FIXTURES = Path.of("src/test/fixtures").toAbsolutePath();
  static final Path ROOT = Path.of("target/linuxkit-test").toAbsolutePath();
  private static TestImages instance;

  final Path cache;
  final Path debianKernel;
  final String kernelVersion;
  final String kernel;
  final String init;
  final String crun;
  final String busybox;

  private TestImages(Path cache, Path debianKernel, String kernelVersion, String kernel, String init, String crun, String busybox) {
    this.cache = cache;
    this.debianKernel = debianKernel;
    this.kernelVersion = kernelVersion;
    this.kernel = kernel;
    this.init = init;
    this.crun = crun;
    this.busybox = busybox;
  }

  static synchronized TestImages get() throws Exception {
    if (instance != null) return instance;
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/crun")), "crun is not installed (Debian package crun)");
    Path kdir = kernelPackage();
    String version;
    try (Stream<Path> s = Files.list(kdir.resolve("lib/modules"))) {
      version = s.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    }
    Path cache = ROOT.resolve("cache");
    if (Files.exists(cache)) dockyard.oci.fs.SafeFiles.deleteTree(cache);
    OciLayout layout = OciLayout.create(cache.resolve("layout"));
    PackageBuilder pkg = new PackageBuilder(s -> {});
    Path kpkg = ROOT.resolve("kernel-pkg");
    if (Files.exists(kpkg)) dockyard.oci.fs.SafeFiles.deleteTree(kpkg);
    Files.createDirectories(kpkg);
    Files.copy(kdir.resolve("boot/vmlinuz-" + version), kpkg.resolve("kernel"), StandardCopyOption.REPLACE_EXISTING);
    String overlay = "lib/modules/" + version + "/kernel/fs/overlayfs/overlay.ko";
    try (OutputStream out = Files.newOutputStream(kpkg.resolve("kernel.tar")); InputStream in = Files.newInputStream(kdir.resolve(overlay))) {
      TarWriter tar = new TarWriter(out);
      String dir = "";
      for (String part : overlay.substring(0, overlay.lastIndexOf('/')).split("/")) {
        dir += part + "/";
        tar.add(TarEntry.directory(dir, 0755).withModified(Instant.EPOCH));
      }
      tar.add(TarEntry.file(overlay, Files.size(kdir.resolve(overlay)), 0644).withModified(Instant.EPOCH), in);
      tar.finish();
    }
    Files.writeString(kpkg.resolve("build.yml"), """
        image: kernel
        org: dockyard-test
        files:
          - source: kernel
            mode: "0644"
          - source: kernel.tar
            mode: "0644"
        """);
    String kernel = pkg.build(kpkg, layout, null, null).reference();
    String init = pkg.build(FIXTURES.resolve("init"), layout, null, null).reference();
    String crun = pkg.build(FIXTURES.resolve("crun"), layout, null, null).reference();
    String busybox = pkg.build(FIXTURES.resolve("busybox"), layout, null, null).reference();
    instance = new TestImages(cache, kdir, version, kernel, init, crun, busybox);
    return instance;
  }

  /**
   * Debian's kernel package unpacked (boot/vmlinuz-*, lib/modules/*), shared with the 9P harness,
   * which downloads it with apt-get the first time.
   */
  static Path kernelPackage() throws Exception {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("kernel9p");
    Path k = cache.resolve("debian-kernel");
    if (!Files.isDirectory(k.resolve("boot"))) {
      Path script = Path.of("../../shared/harness/kernel9p/build-initramfs.sh").toAbsolutePath().normalize();
      Assumptions.assumeTrue(Files.isExecutable(script), "no Debian kernel in " + k + " and no " + script + " to fetch one");
      Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
      if (p.waitFor() != 0) throw new IOException(script + " failed (it downloads Debian's kernel package with apt-get)");
    }
    return k;
  }

  /** The boot test's YAML: an onboot step on a writable overlay root with a bind, a read-only service from the same image. */
  String yaml(String cmdline) {
    return """
        kernel:
          image: %s
          cmdline: "%s"
        init:
          - %s
          - %s
        onboot:
          - name: hello
            image: %s
            command: ["/bin/sh", "-c", "echo ONBOOT-STEP-RAN $(cat /message); touch /written"]
            binds:
              - /etc/dockyard-message:/message:ro
        services:
          - name: web
            image: %s
            readonly: true
            command: ["/bin/sh", "-c", "echo SERVICE-RUNNING as $(id -u); exec sleep 600"]
        onshutdown:
          - name: bye
            image: %s
            readonly: true
            command: ["/bin/sh", "-c", "echo ONSHUTDOWN-STEP-RAN"]
        files:
          - path: etc/dockyard-message
            contents: "hello from files"
            mode: "0644"
        """.formatted(kernel, cmdline, init, crun, busybox, busybox, busybox);
  }

  Path writeYaml(Path dir, String name, String text) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  LinuxKit.BuildOptions options(Path out) {
    return LinuxKit.BuildOptions.defaults(out).withCache(cache);
  }

  static List<String> run(Path cwd, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(cwd == null ? null : cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    if (rc != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + rc + ": " + out);
    return List.of(out.split("\n"));
  }
}
