package dockyard.linuxkit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.linuxkit.config.ConfigException;
import dockyard.linuxkit.config.Moby.ImageEntry;
import dockyard.linuxkit.config.Schema;
import dockyard.linuxkit.config.YamlTree;
import dockyard.oci.ImageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns an onboot/onshutdown/service entry into the OCI runtime config LinuxKit's init expects, with
 * LinuxKit's rules: the image's Entrypoint+Cmd, Env and WorkingDir, then its
 * {@code org.mobyproject.config} label, then the YAML, each overriding the one before; Docker's mounts
 * for /proc, /dev, /dev/pts, /sys and /sys/fs/cgroup; net/ipc/uts/user namespaces shared with the host
 * unless asked, a new pid and mount namespace; no capabilities unless listed ("all" for every one).
 * The second result is the init-side runtime config (runtime.json): cgroups, mounts, mkdir, interfaces.
 */
public final class OciConfig {
  public static final String LABEL = "org.mobyproject.config";
  public static final String OCI_VERSION = "1.0.2";

  /** Every capability the kernel knows, as gocapability lists them (what "all" means). */
  public static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
      "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
      "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
      "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
      "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
      "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  private static final Set<String> RLIMITS = Set.of("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
      "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
      "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The config.json tree, the runtime.json tree (without the rootfs mounts), and whether the root is read-only. */
  public record Result(ObjectNode config, ObjectNode runtime, boolean readonly) {}

  private OciConfig() {}

  public static Result convert(ImageEntry entry, ImageConfig.Config image, Map<String, Long> idMap) throws ConfigException {
    ImageConfig.Config img = image == null ? ImageConfig.Config.EMPTY : image;
    ObjectNode label = JSON.objectNode();
    String labelText = img.labels() == null ? null : img.labels().get(LABEL);
    if (labelText != null && !labelText.isBlank()) {
      label = (ObjectNode) YamlTree.parse("image " + entry.image() + " label " + LABEL, labelText, Schema.IMAGE_SETTINGS).root();
    }
    return new Converter(entry, label, entry.settings(), idMap).convert(img);
  }

  private static final class Converter {
    final ImageEntry entry;
    final ObjectNode label;
    final ObjectNode yaml;
    final Map<String, Long> idMap;

    Converter(ImageEntry entry, ObjectNode label, ObjectNode yaml, Map<String, Long> idMap) {
      this.entry = entry;
      this.label = label;
      this.yaml = yaml;
      this.idMap = idMap;
    }

    ConfigException error(String key, String message) {
      return new ConfigException(entry.where(key) + ": " + message);
    }

    /** The YAML's value if it has the key, else the label's, else null: LinuxKit's ordered override. */
    JsonNode pick(String key) {
      if (yaml.has(key)) return yaml.get(key);
      return label.get(key);
    }

    List<String> strings(JsonNode n) {
      List<String> out = new ArrayList<>();
      if (n != null) n.forEach(x -> out.add(x.asText()));
      return out;
    }

    /** {@code key} from YAML, else label's {@code key} plus YAML's {@code key.add}. */
    List<String> withAdd(String key) {
      if (yaml.has(key)) return strings(yaml.get(key));
      List<String> out = strings(label.get(key));
      out.addAll(strings(yaml.get(key + ".add")));
      return out;
    }

    /** The YAML's value unless empty, else the label's unless empty, else {@code dflt} (Go's assignStringEmpty). */
    String string(String key, String dflt) {
      for (JsonNode n : new JsonNode[] {yaml.get(key), label.get(key)}) {
        if (n != null && !n.asText().isEmpty()) return n.asText();
      }
      return dflt;
    }

    Result convert(ImageConfig.Config img) throws ConfigException {
      List<String> inspect = new ArrayList<>();
      if (img.entrypoint() != null) inspect.addAll(img.entrypoint());
      if (img.cmd() != null) inspect.addAll(img.cmd());
      List<String> args = pick("command") != null ? strings(pick("command")) : inspect;
      List<String> env = pick("env") != null ? strings(pick("env")) : img.env() == null ? List.of() : img.env();
      String cwd = string("cwd", img.workingDir() == null || img.workingDir().isEmpty() ? "/" : img.workingDir());
      boolean readonly = pick("readonly") != null && pick("readonly").asBoolean();

      TreeMap<String, ObjectNode> mounts = new TreeMap<>();
      List<String> devOptions = new ArrayList<>(List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
      List<String> sysOptions = new ArrayList<>(List.of("nosuid", "noexec", "nodev"));
      if (readonly) {
        devOptions.add("ro");
        sysOptions.add("ro");
      }
      mounts.put("/proc", mount("/proc", "proc", "proc", List.of("nosuid", "nodev", "noexec", "relatime")));
      mounts.put("/dev", mount("/dev", "tmpfs", "tmpfs", devOptions));
      mounts.put("/dev/pts", mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
      mounts.put("/sys", mount("/sys", "sysfs", "sysfs", sysOptions));
      mounts.put("/sys/fs/cgroup", mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
      for (String t : strings(pick("tmpfs"))) {
        String[] parts = t.split(":", -1);
        if (parts.length > 2) throw error("tmpfs", "cannot parse tmpfs, too many ':': " + t);
        mounts.put(parts[0], mount(parts[0], "tmpfs", "tmpfs", parts.length == 2 ? List.of(parts[1].split(",")) : null));
      }
      for (String b : withAdd("binds")) {
        String[] parts = b.split(":", -1);
        if (parts.length < 2) throw error("binds", "cannot parse bind, missing ':': " + b);
        if (parts.length > 3) throw error("binds", "cannot parse bind, too many ':': " + b);
        List<String> opts = new ArrayList<>();
        if (parts.length == 3) {
          opts.addAll(List.of(parts[2].split(",")));
          opts.add("rbind");
        } else {
          opts.addAll(List.of("rw", "rbind", "rshared"));
        }
        mounts.put(parts[1], mount(parts[1], "bind", parts[0], opts));
      }
      JsonNode ms = pick("mounts");
      if (ms != null) {
        for (JsonNode m : ms) {
          String tp = m.path("type").asText("");
          String src = m.path("source").asText("");
          String dest = m.path("destination").asText("");
          if (tp.isEmpty() && Set.of("mqueue", "devpts", "proc", "sysfs", "cgroup").contains(src)) tp = src;
          if (tp.isEmpty() && dest.equals("/dev")) tp = "tmpfs";
          if (tp.isEmpty()) throw error("mounts", "mount for destination " + dest + " is missing type");
          if (src.isEmpty()) src = tp;
          if (dest.isEmpty()) dest = defaultMountpoint(tp);
          if (dest.isEmpty()) throw error("mounts", "mount type " + tp + " is missing destination");
          mounts.put(dest, mount(dest, tp, src, m.has("options") ? strings(m.get("options")) : null));
        }
      }

      ArrayNode namespaces = JSON.arrayNode();
      namespace(namespaces, "network", string("net", "root"), true);
      namespace(namespaces, "ipc", string("ipc", "root"), false);
      namespace(namespaces, "uts", string("uts", "root"), false);
      String pid = string("pid", "");
      if (!pid.equals("host") && !pid.equals("root")) addNamespace(namespaces, "pid", pid.equals("new") ? "" : pid);
      namespace(namespaces, "user", string("userns", "root"), false);
      namespaces.add(JSON.objectNode().put("type", "mount"));

      List<String> caps = capabilities(withAdd("capabilities"), "capabilities");
      List<String> ambient = capabilities(strings(pick("ambient")), "ambient");
      TreeSet<String> bounding = new TreeSet<>(caps);
      bounding.addAll(ambient);

      ArrayNode rlimits = JSON.arrayNode();
      for (String r : strings(pick("rlimits"))) rlimits.add(rlimit(r));

      long uid = id(pick("uid"), "uid");
      long gid = id(pick("gid"), "gid");
      List<Long> additional = new ArrayList<>();
      JsonNode ag = pick("additionalGids");
      if (ag != null) for (JsonNode g : ag) additional.add(id(g, "additionalGids"));

      ObjectNode config = JSON.objectNode();
      config.put("ociVersion", OCI_VERSION);
      ObjectNode process = config.putObject("process");
      ObjectNode user = process.putObject("user");
      user.put("uid", uid);
      user.put("gid", gid);
      if (!additional.isEmpty()) {
        ArrayNode a = user.putArray("additionalGids");
        additional.forEach(a::add);
      }
      process.set("args", array(args));
      if (!env.isEmpty()) process.set("env", array(env));
      process.put("cwd", cwd);
      ObjectNode capabilities = process.putObject("capabilities");
      putIfNotEmpty(capabilities, "bounding", new ArrayList<>(bounding));
      putIfNotEmpty(capabilities, "effective", caps);
      putIfNotEmpty(capabilities, "inheritable", new ArrayList<>(bounding));
      putIfNotEmpty(capabilities, "permitted", new ArrayList<>(bounding));
      putIfNotEmpty(capabilities, "ambient", ambient);
      if (!rlimits.isEmpty()) process.set("rlimits", rlimits);
      if (pick("noNewPrivileges") != null && pick("noNewPrivileges").asBoolean()) process.put("noNewPrivileges", true);
      if (pick("oomScoreAdj") != null) process.put("oomScoreAdj", pick("oomScoreAdj").asLong());
      ObjectNode root = config.putObject("root");
      root.put("path", "rootfs");
      if (readonly) root.put("readonly", true);
      if (!string("hostname", "").isEmpty()) config.put("hostname", string("hostname", ""));
      ArrayNode mountList = config.putArray("mounts");
      mounts.values().forEach(mountList::add);
      if (pick("annotations") != null && !pick("annotations").isEmpty()) config.set("annotations", sorted(pick("annotations")));

      ObjectNode linux = config.putObject("linux");
      if (pick("uidMappings") != null && !pick("uidMappings").isEmpty()) linux.set("uidMappings", pick("uidMappings").deepCopy());
      if (pick("gidMappings") != null && !pick("gidMappings").isEmpty()) linux.set("gidMappings", pick("gidMappings").deepCopy());
      if (pick("sysctl") != null && !pick("sysctl").isEmpty()) linux.set("sysctl", sorted(pick("sysctl")));
      ObjectNode resources = pick("resources") != null ? (ObjectNode) pick("resources").deepCopy() : JSON.objectNode();
      ArrayNode devices = devices(resources);
      linux.set("resources", resources);
      if (!string("cgroupsPath", "").isEmpty()) linux.put("cgroupsPath", string("cgroupsPath", ""));
      linux.set("namespaces", namespaces);
      if (!devices.isEmpty()) linux.set("devices", devices);
      if (!string("rootfsPropagation", "").isEmpty()) linux.put("rootfsPropagation", string("rootfsPropagation", ""));
      putIfNotEmpty(linux, "maskedPaths", strings(pick("maskedPaths")));
      putIfNotEmpty(linux, "readonlyPaths", strings(pick("readonlyPaths")));

      return new Result(config, runtime(), readonly);
    }

    /** LinuxKit's runtime.json: each key from the YAML if there, else from the label. */
    ObjectNode runtime() {
      JsonNode y = yaml.path("runtime");
      JsonNode l = label.path("runtime");
      ObjectNode out = JSON.objectNode();
      for (String key : List.of("cgroups", "mounts", "mkdir", "interfaces", "bindNS", "namespace")) {
        JsonNode v = y.has(key) ? y.get(key) : l.get(key);
        if (v != null) out.set(key, v.deepCopy());
      }
      if (!out.has("mounts")) out.putArray("mounts");
      if (!out.has("bindNS")) out.putObject("bindNS");
      return out;
    }

    ArrayNode devices(ObjectNode resources) throws ConfigException {
      ArrayNode linuxDevices = JSON.arrayNode();
      JsonNode ds = pick("devices");
      if (ds == null) return linuxDevices;
      ArrayNode rules = resources.has("devices") ? (ArrayNode) resources.get("devices") : resources.putArray("devices");
      for (JsonNode d : ds) {
        String type = d.path("type").asText("");
        if (d.path("path").asText().equals("all")) {
          rules.add(JSON.objectNode().put("allow", true).put("type", type).put("access", "rwm"));
          continue;
        }
        int mode;
        try {
          mode = Integer.parseInt(d.path("mode").asText(""), 8);
        } catch (NumberFormatException e) {
          throw error("devices", "cannot parse device mode as octal value: \"" + d.path("mode").asText("") + "\"");
        }
        ObjectNode dev = JSON.objectNode();
        dev.put("path", d.path("path").asText());
        dev.put("type", type);
        dev.put("major", d.path("major").asLong());
        dev.put("minor", d.path("minor").asLong());
        dev.put("fileMode", mode);
        linuxDevices.add(dev);
        rules.add(JSON.objectNode().put("allow", true).put("type", type).put("major", d.path("major").asLong())
            .put("minor", d.path("minor").asLong()).put("access", "rwm"));
      }
      return linuxDevices;
    }

    void namespace(ArrayNode out, String type, String value, boolean noneIsNew) {
      if (value.equals("host") || value.equals("root")) return;
      boolean fresh = value.equals("new") || (noneIsNew && value.equals("none"));
      addNamespace(out, type, fresh ? "" : value);
    }

    void addNamespace(ArrayNode out, String type, String path) {
      ObjectNode ns = out.addObject().put("type", type);
      if (!path.isEmpty()) ns.put("path", path);
    }

    List<String> capabilities(List<String> caps, String key) throws ConfigException {
      if (caps.size() == 1 && caps.get(0).equalsIgnoreCase("none")) return List.of();
      if (caps.size() == 1 && caps.get(0).equalsIgnoreCase("all")) return ALL_CAPABILITIES;
      for (String c : caps) {
        if (!ALL_CAPABILITIES.contains(c)) throw error(key, "unknown capability: " + c);
      }
      return caps;
    }

    ObjectNode rlimit(String text) throws ConfigException {
      String[] rs = text.split(",", 3);
      if (rs.length != 3) throw error("rlimits", "cannot parse rlimit: " + text + " (want TYPE,SOFT,HARD)");
      String type = rs[0].trim().toUpperCase();
      if (!type.startsWith("RLIMIT_")) type = "RLIMIT_" + type;
      if (!RLIMITS.contains(type)) throw error("rlimits", "unknown limit: " + rs[0].trim());
      ObjectNode n = JSON.objectNode().put("type", type);
      n.set("hard", limit(rs[2].trim()));
      n.set("soft", limit(rs[1].trim()));
      return n;
    }

    JsonNode limit(String s) throws ConfigException {
      if (s.equalsIgnoreCase("unlimited")) return JSON.numberNode(new java.math.BigInteger("18446744073709551615"));
      try {
        return JSON.numberNode(new java.math.BigInteger(Long.toUnsignedString(Long.parseUnsignedLong(s))));
      } catch (NumberFormatException e) {
        throw error("rlimits", "cannot parse " + s + " as uint64");
      }
    }

    long id(JsonNode v, String key) throws ConfigException {
      if (v == null || v.isNull()) return 0;
      if (v.isNumber()) {
        if (v.asLong() < 0 || v.asLong() > 0xffffffffL) throw error(key, "id " + v + " out of range");
        return v.asLong();
      }
      String name = v.asText();
      if (name.isEmpty() || name.equals("root")) return 0;
      Long id = idMap.get(name);
      if (id == null) throw error(key, "cannot find id: " + name + " (names are those of onboot, onshutdown and service containers)");
      return id;
    }
  }

  static String defaultMountpoint(String type) {
    return switch (type) {
      case "proc" -> "/proc";
      case "devpts" -> "/dev/pts";
      case "sysfs" -> "/sys";
      case "cgroup" -> "/sys/fs/cgroup";
      case "mqueue" -> "/dev/mqueue";
      default -> "";
    };
  }

  static ObjectNode mount(String dest, String type, String source, List<String> options) {
    ObjectNode m = JSON.objectNode();
    m.put("destination", dest);
    m.put("type", type);
    m.put("source", source);
    if (options != null && !options.isEmpty()) m.set("options", array(options));
    return m;
  }

  static ArrayNode array(List<String> items) {
    ArrayNode a = JSON.arrayNode();
    items.forEach(a::add);
    return a;
  }

  static void putIfNotEmpty(ObjectNode o, String key, List<String> items) {
    if (!items.isEmpty()) o.set(key, array(items));
  }

  static ObjectNode sorted(JsonNode map) {
    ObjectNode out = JSON.objectNode();
    new TreeMap<>(toMap(map)).forEach(out::put);
    return out;
  }

  private static Map<String, String> toMap(JsonNode map) {
    Map<String, String> m = new TreeMap<>();
    map.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }
}
