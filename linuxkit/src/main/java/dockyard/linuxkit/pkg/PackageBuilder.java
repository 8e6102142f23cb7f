package dockyard.linuxkit.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import dockyard.linuxkit.bundle.OciConfig;
import dockyard.linuxkit.config.ConfigException;
import dockyard.linuxkit.config.Schema;
import dockyard.linuxkit.config.YamlTree;
import dockyard.oci.Image;
import dockyard.oci.ImageConfig;
import dockyard.oci.Layer;
import dockyard.oci.OciLayout;
import dockyard.oci.Platform;
import dockyard.oci.fs.SafeFiles;
import dockyard.oci.layer.LayerWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code linuxkit pkg build DIR} without Docker: DIR holds a {@code build.yml} and the image's files
 * (a {@code rootfs/} directory and/or a list of host files), and the result is a one-layer OCI image
 * in a layout, reproducible (fixed times, root owners, sorted entries), tagged ORG/IMAGE:TAG where
 * TAG defaults to a hash of the content, as LinuxKit tags packages by their source tree.
 *
 * <p>build.yml keys: {@code image} (required), {@code org} (default linuxkit), {@code tag},
 * {@code arches} (only amd64 is built here), {@code config} (the runtime settings LinuxKit reads from
 * the org.mobyproject.config label, checked like a service entry), {@code rootfs} (default
 * {@code rootfs}), {@code files} (list of {@code source}, {@code path}, {@code mode},
 * {@code libraries: true} to add the ELF libraries it needs, found with ldd), {@code entrypoint},
 * {@code cmd}, {@code env}, {@code workdir}, {@code user}, {@code labels}. LinuxKit's build-only keys
 * (network, disable-content-trust, disable-cache, depends, extra-sources, gitrepo, buildArgs,
 * dockerfile) are accepted and ignored with a warning.
 */
public final class PackageBuilder {
  static final Schema.Obj FILE = new Schema.Obj("file", map("source", Schema.STR, "path", Schema.STR, "mode", Schema.STR,
      "libraries", Schema.BOOL), Set.of("source"));
  static final Set<String> IGNORED = Set.of("network", "disable-content-trust", "disable-cache", "depends", "extra-sources",
      "gitrepo", "buildArgs", "dockerfile", "platforms");
  static final Schema.Obj BUILD_YML = buildYml();

  private static Schema.Obj buildYml() {
    Map<String, Schema> m = map("image", Schema.STR, "org", Schema.STR, "tag", Schema.STR, "arches", Schema.STRINGS,
        "config", Schema.IMAGE_SETTINGS, "rootfs", Schema.STR, "files", new Schema.ListOf(FILE),
        "entrypoint", Schema.STRINGS, "cmd", Schema.STRINGS, "env", Schema.STRINGS, "workdir", Schema.STR,
        "user", Schema.STR, "labels", new Schema.StringMap());
    for (String k : IGNORED) m.put(k, k.equals("network") || k.startsWith("disable") ? Schema.BOOL : k.equals("buildArgs") ? new Schema.StringMap() : k.equals("dockerfile") || k.equals("gitrepo") ? Schema.STR : Schema.STRINGS);
    return new Schema.Obj("build.yml", m, Set.of("image"));
  }

  private static Map<String, Schema> map(Object... kv) {
    Map<String, Schema> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Schema) kv[i + 1]);
    return m;
  }

  /** What was built: the reference it is tagged with and the image. */
  public record Result(String reference, Image image) {}

  private final Consumer<String> log;

  public PackageBuilder(Consumer<String> log) {
    this.log = log;
  }

  /**
   * Builds {@code dir} into {@code layout}, tagged with the full reference (ORG/IMAGE:TAG) and, when
   * {@code extraTag} is set, also with that.
   */
  public Result build(Path dir, OciLayout layout, String tagOverride, String extraTag) throws IOException {
    Path yml = dir.resolve("build.yml");
    if (!Files.isRegularFile(yml)) throw new ConfigException(dir + ": no build.yml");
    YamlTree tree = YamlTree.parse(yml.toString(), Files.readString(yml, StandardCharsets.UTF_8), BUILD_YML);
    JsonNode b = tree.root();
    for (String k : IGNORED) if (b.has(k)) log.accept(tree.where(k) + ": ignored (no Dockerfile builds here)");
    for (JsonNode a : b.path("arches")) {
      if (!a.asText().equals("amd64")) log.accept(tree.where("arches") + ": only amd64 is built; " + a.asText() + " skipped");
    }
    String image = b.get("image").asText();
    String org = b.path("org").asText("linuxkit");
    Path stage = Files.createTempDirectory(layout.dir(), ".pkg-");
    try {
      Path rootfs = dir.resolve(b.path("rootfs").asText("rootfs"));
      if (b.has("rootfs") && !Files.isDirectory(rootfs)) throw new ConfigException(tree.where("rootfs") + ": " + rootfs + " is not a directory");
      if (Files.isDirectory(rootfs)) copyTree(rootfs, stage);
      int i = 0;
      for (JsonNode f : b.path("files")) addFile(tree, "files[" + i++ + "]", f, dir, stage);
      ImageConfig.Config config = runConfig(tree, b);
      Layer layer = LayerWriter.writeTo(layout.store(), stage, LayerWriter.Options.reproducible(), true);
      String tag = tagOverride;
      if (tag == null || tag.isEmpty()) tag = b.has("tag") ? b.get("tag").asText() : contentTag(layer, config);
      String reference = "docker.io/" + org + "/" + image + ":" + tag;
      Image written = layout.writeImage(reference, Platform.LINUX_AMD64, config, List.of(layer));
      if (extraTag != null && !extraTag.isEmpty()) layout.addManifest(written.descriptor(), extraTag);
      log.accept("Built " + reference + " " + written.descriptor().digest());
      return new Result(reference, written);
    } finally {
      SafeFiles.deleteTree(stage);
    }
  }

  /** Like LinuxKit's tree-hash tags: the same files and settings give the same tag. */
  private static String contentTag(Layer layer, ImageConfig.Config config) throws IOException {
    String basis = layer.diffId() + "\n" + new String(dockyard.oci.OciJson.canonical(config), StandardCharsets.UTF_8);
    return dockyard.oci.Digest.sha256(basis.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 40);
  }

  private static ImageConfig.Config runConfig(YamlTree tree, JsonNode b) throws ConfigException {
    Map<String, String> labels = new TreeMap<>();
    b.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    if (b.has("config")) {
      // stored as JSON, as LinuxKit does; checked again when a build reads it
      try {
        labels.put(OciConfig.LABEL, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(b.get("config")));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new ConfigException(tree.where("config") + ": " + e.getOriginalMessage());
      }
    }
    return new ImageConfig.Config(b.has("user") ? b.get("user").asText() : null, null, strings(b.get("env")),
        strings(b.get("entrypoint")), strings(b.get("cmd")), null, b.has("workdir") ? b.get("workdir").asText() : null,
        labels.isEmpty() ? null : labels, null, null);
  }

  private static List<String> strings(JsonNode n) {
    if (n == null) return null;
    List<String> out = new ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return out;
  }

  private void addFile(YamlTree tree, String path, JsonNode f, Path dir, Path stage) throws IOException {
    String where = tree.where(path);
    Path source = dir.resolve(f.get("source").asText());
    if (!Files.isRegularFile(source)) throw new ConfigException(where + ".source: " + source + " is not a regular file");
    String target = f.has("path") ? f.get("path").asText() : source.getFileName().toString();
    int mode = -1;
    if (f.has("mode")) {
      try {
        mode = Integer.parseInt(f.get("mode").asText(), 8);
      } catch (NumberFormatException e) {
        throw new ConfigException(where + ".mode: not an octal mode: \"" + f.get("mode").asText() + "\"");
      }
    }
    copyInto(source, stage, target, mode, where);
    if (f.path("libraries").asBoolean(false)) {
      for (Path lib : libraries(source, where)) copyInto(lib, stage, lib.toString(), -1, where);
    }
  }

  private static void copyInto(Path source, Path stage, String target, int mode, String where) throws IOException {
    Path dest = stage;
    for (String c : target.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) throw new ConfigException(where + ".path: \"" + target + "\" must not contain \"..\"");
      dest = dest.resolve(c);
    }
    Files.createDirectories(dest.getParent());
    Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
    int m = mode >= 0 ? mode : ((Integer) Files.getAttribute(source, "unix:mode")) & 0777;
    Files.setAttribute(dest, "unix:mode", m);
  }

  private static final Pattern LDD_LINE = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

  /** The shared libraries (and the dynamic loader) {@code binary} loads, as ldd lists them. */
  static Set<Path> libraries(Path binary, String where) throws IOException {
    Process p = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    Set<Path> libs = new LinkedHashSet<>();
    if (out.contains("not a dynamic executable") || out.contains("statically linked")) return libs;
    for (String line : out.split("\n")) {
      if (line.contains("not found")) throw new ConfigException(where + ": " + binary + " needs a library that is not installed: " + line.strip());
      Matcher m = LDD_LINE.matcher(line);
      if (m.find()) libs.add(Path.of(m.group(1)));
    }
    return libs;
  }

  /** Copies a directory tree with modes and symlinks (owners become root in the layer). */
  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Path t = to.resolve(from.relativize(d).toString());
        Files.createDirectories(t);
        Files.setAttribute(t, "unix:mode", ((Integer) Files.getAttribute(d, "unix:mode")) & 07777);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Path t = to.resolve(from.relativize(f).toString());
        if (attrs.isSymbolicLink()) Files.createSymbolicLink(t, Files.readSymbolicLink(f));
        else if (attrs.isRegularFile()) Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
