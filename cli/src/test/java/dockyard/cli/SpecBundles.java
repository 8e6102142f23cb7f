package dockyard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Bundles for the CLI's runc tests: a busybox-static rootfs, and `runc spec`'s config with the process edited. */
final class SpecBundles {
  private SpecBundles() {}

  /** Puts /bin/busybox and a link per applet into {@code bundle}/rootfs/bin (once). */
  static void busybox(Path bundle, List<String> applets) throws IOException {
    Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
    if (Files.exists(bin.resolve("busybox"))) return;
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String a : applets) Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
  }

  /** Makes the config that `spec` wrote run {@code args} without a terminal. */
  static void runWithoutTerminal(Path bundle, String... args) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) config.get("process");
    process.put("terminal", false);
    process.set("args", json.valueToTree(List.of(args)));
    Files.writeString(bundle.resolve("config.json"), json.writeValueAsString(config), StandardCharsets.UTF_8);
  }
}
