package dockyard.linuxkit.output;

import dockyard.linuxkit.Builder;
import dockyard.linuxkit.fs.CpioWriter;
import dockyard.linuxkit.fs.FsTree;
import dockyard.linuxkit.fs.ParallelGzipOutputStream;
import dockyard.linuxkit.fs.TarOutput;
import dockyard.oci.fs.SafeFiles;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a built tree in LinuxKit's output formats, named as LinuxKit names them:
 * {@code kernel+initrd} (NAME-kernel, NAME-initrd.img, NAME-cmdline), {@code tar-kernel-initrd}
 * (NAME-initrd.tar), {@code tar} (NAME.tar, the whole root), {@code iso-bios} (NAME.iso) and
 * {@code raw-bios} (NAME-bios.img). Every file is written beside its final name and renamed into
 * place only after all formats succeeded, so a failed build leaves the output directory as it was.
 */
public final class Outputs {
  public static final List<String> FORMATS = List.of("kernel+initrd", "tar-kernel-initrd", "tar", "iso-bios", "raw-bios");
  static final int INITRD_GZIP_LEVEL = 2;

  private Outputs() {}

  public static void check(List<String> formats) throws IOException {
    for (String f : formats) {
      if (!FORMATS.contains(f)) throw new IOException("unknown output format \"" + f + "\" (known: " + String.join(", ", FORMATS) + ")");
    }
  }

  /** Writes {@code formats} of {@code result} into {@code dir} with base name {@code name}; returns the files written. */
  public static List<Path> write(Builder.Result result, List<String> formats, Path dir, String name, long diskSizeMiB,
                                 Consumer<String> log) throws IOException {
    check(formats);
    FsTree tree = result.tree();
    boolean needsKernel = formats.stream().anyMatch(f -> !f.equals("tar"));
    if (needsKernel && !result.hasKernel()) throw new IOException("format " + formats + " needs a kernel: the YAML has no kernel image");
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir, ".linuxkit-build-");
    Map<Path, Path> staged = new LinkedHashMap<>();
    try {
      Path kernel = null, initrd = null;
      String cmdline = "";
      if (needsKernel) {
        kernel = work.resolve("kernel");
        try (InputStream in = ((FsTree.File) tree.get(Builder.Result.KERNEL)).content().open()) {
          Files.copy(in, kernel);
        }
        cmdline = new String(((FsTree.File) tree.get(Builder.Result.CMDLINE)).content().open().readAllBytes(), StandardCharsets.UTF_8);
        initrd = work.resolve("initrd.img");
        writeInitrd(tree, initrd);
      }
      for (String f : formats) {
        log.accept("Create output " + f);
        switch (f) {
          case "kernel+initrd" -> {
            staged.put(dir.resolve(name + "-kernel"), kernel);
            staged.put(dir.resolve(name + "-initrd.img"), initrd);
            Path c = work.resolve("cmdline");
            Files.writeString(c, cmdline);
            staged.put(dir.resolve(name + "-cmdline"), c);
          }
          case "tar-kernel-initrd" -> {
            Path t = work.resolve("initrd.tar");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(t), 1 << 16)) {
              TarWriter tar = new TarWriter(out);
              addFile(tar, "boot/kernel", kernel);
              addFile(tar, "boot/initrd.img", initrd);
              byte[] c = cmdline.getBytes(StandardCharsets.UTF_8);
              tar.add(TarEntry.file("boot/cmdline", c.length, 0644).withModified(Instant.EPOCH), new java.io.ByteArrayInputStream(c));
              tar.finish();
            }
            staged.put(dir.resolve(name + "-initrd.tar"), t);
          }
          case "tar" -> {
            Path t = work.resolve("root.tar");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(t), 1 << 16)) {
              TarOutput.write(tree, p -> true, out);
            }
            staged.put(dir.resolve(name + ".tar"), t);
          }
          case "iso-bios" -> {
            Path iso = work.resolve("image.iso");
            BootImages.iso(kernel, initrd, cmdline, iso, work);
            staged.put(dir.resolve(name + ".iso"), iso);
          }
          case "raw-bios" -> {
            Path img = work.resolve("bios.img");
            BootImages.raw(kernel, initrd, cmdline, img, work, diskSizeMiB);
            staged.put(dir.resolve(name + "-bios.img"), img);
          }
          default -> throw new IllegalStateException(f);
        }
      }
      // every format is complete: give each its name (a copy when one file serves two names)
      List<Path> written = new ArrayList<>();
      for (var e : staged.entrySet()) {
        Path src = e.getValue();
        if (java.util.Collections.frequency(staged.values(), src) > 1 || !Files.exists(src)) {
          Path copy = work.resolve("copy-" + written.size());
          Files.copy(src, copy);
          src = copy;
        }
        Files.setAttribute(src, "unix:mode", 0644);
        Files.move(src, e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written.add(e.getKey());
      }
      return written;
    } finally {
      SafeFiles.deleteTree(work);
    }
  }

  /** The gzip'd newc cpio of everything but boot/*, behind the microcode cpio when the kernel image has one. */
  static void writeInitrd(FsTree tree, Path file) throws IOException {
    try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      if (tree.get(Builder.Result.UCODE) instanceof FsTree.File u) {
        try (InputStream in = u.content().open()) {
          in.transferTo(raw); // uncompressed, first: the kernel looks for microcode there
        }
      }
      // Level 2, not gzip's default 6: the initrd is mostly executables, on which 6 takes 2.8 times
      // the CPU (zlib's lazy matching over 128-step chains, against greedy 8-step ones) for 5%
      // smaller output; 2 compresses as well as upstream linuxkit's pgzip default (the bench's
      // initrd: 5.15 MB against 5.16 MB; zlib level 6 4.88 MB, level 4 4.99 MB at 1.4 times the CPU)
      ParallelGzipOutputStream gz = new ParallelGzipOutputStream(raw, INITRD_GZIP_LEVEL);
      CpioWriter cpio = new CpioWriter(new BufferedOutputStream(gz, 1 << 16));
      cpio.writeAll(tree, p -> !p.startsWith("boot/"));
      cpio.finish();
      gz.finish();
    }
  }

  private static void addFile(TarWriter tar, String name, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      tar.add(TarEntry.file(name, Files.size(file), 0644).withModified(Instant.EPOCH), in);
    }
  }
}
