package dockyard.linuxkit.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A LinuxKit build description: the kernel, the init images merged into the root, the onboot,
 * onshutdown and service containers, and extra files. Several files combine as in {@code linuxkit
 * build a.yml b.yml}: a later kernel replaces an earlier one, the lists are appended.
 */
public record Moby(Kernel kernel, List<String> init, List<ImageEntry> onboot, List<ImageEntry> onshutdown,
                   List<ImageEntry> services, List<FileEntry> files, List<YamlTree> sources) {

  /** The kernel image, where in it the kernel and the modules tar are, and the command line. */
  /** {@code given} lists the keys the YAML set: a later file overrides only those, as LinuxKit merges. */
  public record Kernel(String image, String cmdline, String binary, String tar, String ucode, String where, Set<String> given) {
    public static final Kernel NONE = new Kernel(null, "", "kernel", "kernel.tar", null, "kernel", Set.of());

    public Kernel {
      given = Set.copyOf(given);
    }

    Kernel overriddenBy(Kernel next) {
      Set<String> g = new HashSet<>(given);
      g.addAll(next.given);
      return new Kernel(next.given.contains("image") ? next.image : image, next.given.contains("cmdline") ? next.cmdline : cmdline,
          next.given.contains("binary") ? next.binary : binary, next.given.contains("tar") ? next.tar : tar,
          next.given.contains("ucode") ? next.ucode : ucode, next.given.contains("image") ? next.where : where, g);
    }
  }

  /** One container of a section; {@code settings} holds the YAML's runtime settings (checked against the schema). */
  public record ImageEntry(String section, int index, String name, String image, ObjectNode settings, YamlTree source) {
    public String path() {
      return section + "[" + index + "]";
    }

    /** "FILE:LINE: services[0].key" for messages. */
    public String where(String key) {
      return source.where(key == null ? path() : path() + "." + key);
    }
  }

  /** An entry of {@code files:}. uid and gid are numbers or names (of containers, which get ids from 100). */
  public record FileEntry(int index, String path, boolean directory, String symlink, String contents, String source,
                          String metadata, boolean optional, String mode, JsonNode uid, JsonNode gid, YamlTree tree) {
    public String where() {
      return tree.where("files[" + index + "]");
    }
  }

  public static Moby read(List<Path> files, Consumer<String> warn) throws IOException {
    Moby m = new Moby(Kernel.NONE, List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    for (Path f : files) {
      if (!Files.isRegularFile(f)) throw new ConfigException(f + ": no such file");
      m = m.append(parse(f.toString(), Files.readString(f, StandardCharsets.UTF_8), warn));
    }
    m.checkNames();
    return m;
  }

  public static Moby parse(String source, String text, Consumer<String> warn) throws ConfigException {
    YamlTree tree = YamlTree.parse(source, text, Schema.MOBY);
    JsonNode root = tree.root();
    Kernel kernel = Kernel.NONE;
    JsonNode k = root.path("kernel");
    if (k.isObject()) {
      String tar = k.has("tar") ? k.get("tar").asText() : "kernel.tar";
      Set<String> given = new HashSet<>();
      k.fieldNames().forEachRemaining(given::add);
      kernel = new Kernel(text(k, "image"), k.path("cmdline").asText(""), k.path("binary").asText("kernel"),
          "none".equals(tar) ? null : tar, text(k, "ucode"), tree.where("kernel"), given);
    }
    List<String> init = new ArrayList<>();
    root.path("init").forEach(n -> init.add(n.asText()));
    if (root.has("trust")) warn.accept(tree.where("trust") + ": ignored (content trust is checked by digests in the cache)");
    if (root.has("volumes")) throw new ConfigException(tree.where("volumes") + ": volumes are not supported yet");
    List<FileEntry> files = new ArrayList<>();
    int i = 0;
    for (JsonNode f : root.path("files")) {
      files.add(new FileEntry(i, text(f, "path"), f.path("directory").asBoolean(false), text(f, "symlink"), text(f, "contents"),
          text(f, "source"), text(f, "metadata"), f.path("optional").asBoolean(false), text(f, "mode"), f.get("uid"), f.get("gid"), tree));
      i++;
    }
    Moby m = new Moby(kernel, init, entries(tree, "onboot"), entries(tree, "onshutdown"), entries(tree, "services"), files, List.of(tree));
    m.checkNames();
    return m;
  }

  private static List<ImageEntry> entries(YamlTree tree, String section) {
    List<ImageEntry> out = new ArrayList<>();
    int i = 0;
    for (JsonNode n : tree.root().path(section)) {
      ObjectNode settings = ((ObjectNode) n).deepCopy();
      settings.remove("name");
      settings.remove("image");
      out.add(new ImageEntry(section, i++, n.path("name").asText(), n.path("image").asText(), settings, tree));
    }
    return out;
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** {@code this} followed by {@code next}; entries keep their own index within the file they came from. */
  public Moby append(Moby next) {
    Kernel k = kernel.overriddenBy(next.kernel);
    return new Moby(k, concat(init, next.init), concat(onboot, next.onboot), concat(onshutdown, next.onshutdown),
        concat(services, next.services), concat(files, next.files), concat(sources, next.sources));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  /** Container names become directory names and ids, so they must be unique and plain. */
  private void checkNames() throws ConfigException {
    Map<String, ImageEntry> seen = new HashMap<>();
    for (List<ImageEntry> section : List.of(onboot, onshutdown, services)) {
      for (ImageEntry e : section) {
        if (!e.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
          throw new ConfigException(e.where("name") + ": name \"" + e.name() + "\" must be letters, digits, '_', '.' or '-'");
        }
        if (e.image().isBlank()) throw new ConfigException(e.where("image") + ": image must not be empty");
        ImageEntry before = seen.putIfAbsent(e.section() + "/" + e.name(), e); // onboot and services may share a name
        if (before != null) throw new ConfigException(e.where("name") + ": duplicate name \"" + e.name() + "\" (also " + before.path() + ")");
      }
    }
  }

  /**
   * Containers get uids and gids from 100 in file order (onboot, onshutdown, services), usable by name;
   * a name used in two sections gets the later id, as LinuxKit's map assignment does.
   */
  public Map<String, Long> idMap() {
    Map<String, Long> ids = new HashMap<>();
    long id = 100;
    for (List<ImageEntry> section : List.of(onboot, onshutdown, services)) {
      for (ImageEntry e : section) ids.put(e.name(), id++);
    }
    return ids;
  }

  static ObjectNode emptySettings() {
    return JsonNodeFactory.instance.objectNode();
  }
}
