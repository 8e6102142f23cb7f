package dockyard.linuxkit.output;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the host tools the bootable formats need, with errors that say which package provides them. */
final class Tools {
  private Tools() {}

  static void require(String binary, String debianPackage, String format) throws IOException {
    Path p = binary.startsWith("/") ? Path.of(binary) : which(binary);
    if (p == null || !Files.exists(p)) {
      throw new IOException("format " + format + " needs " + binary + " (Debian package " + debianPackage + "), which is not installed");
    }
  }

  static Path which(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) return p;
    }
    for (String dir : List.of("/usr/sbin", "/sbin")) { // mkfs.vfat lives there; not always on a user's PATH
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }

  static void run(List<String> command, Map<String, String> env, Path cwd) throws IOException {
    Path exe = command.getFirst().startsWith("/") ? Path.of(command.getFirst()) : which(command.getFirst());
    if (exe == null) throw new IOException(command.getFirst() + ": not found");
    List<String> cmd = new java.util.ArrayList<>(command);
    cmd.set(0, exe.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (cwd != null) pb.directory(cwd.toFile());
    pb.environment().putAll(env);
    pb.environment().put("TZ", "UTC");
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc;
    try {
      rc = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + ": interrupted");
    }
    if (rc != 0) throw new IOException(String.join(" ", command) + " exited " + rc + ": " + out.strip());
  }
}
