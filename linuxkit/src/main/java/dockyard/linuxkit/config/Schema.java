package dockyard.linuxkit.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LinuxKit's YAML schema as data: which keys each object may have and what type each value is.
 * Kept in step with LinuxKit's moby JSON schema, so a file LinuxKit accepts is accepted here and a
 * typo LinuxKit refuses is refused here too (with the line, which LinuxKit does not give).
 */
public sealed interface Schema {
  /** What a value of this type is called in error messages. */
  String describe();

  record Str() implements Schema { public String describe() { return "a string"; } }
  record Bool() implements Schema { public String describe() { return "true or false"; } }
  record Int() implements Schema { public String describe() { return "an integer"; } }
  /** A uid or gid: a number, or a name looked up at build time. */
  record StrOrInt() implements Schema { public String describe() { return "a string or an integer"; } }
  record OneOf(Set<String> values) implements Schema { public String describe() { return "one of " + values; } }
  record ListOf(Schema item) implements Schema { public String describe() { return "a list"; } }
  /** A map from any string key to a string value (sysctl, annotations). */
  record StringMap() implements Schema { public String describe() { return "a map of strings"; } }
  record Obj(String name, Map<String, Schema> properties, Set<String> required) implements Schema {
    public String describe() { return "a map (" + name + ")"; }
  }

  Schema STR = new Str();
  Schema BOOL = new Bool();
  Schema INT = new Int();
  Schema STRINGS = new ListOf(STR);

  private static Obj obj(String name, Object... keyThenType) {
    Map<String, Schema> m = new LinkedHashMap<>();
    for (int i = 0; i < keyThenType.length; i += 2) m.put((String) keyThenType[i], (Schema) keyThenType[i + 1]);
    return new Obj(name, m, Set.of());
  }

  Obj ID_MAPPING = obj("idmapping", "hostID", INT, "containerID", INT, "size", INT);
  Obj MOUNT = obj("mount", "destination", STR, "type", STR, "source", STR, "options", STRINGS,
      "uidmappings", new ListOf(ID_MAPPING), "gidmappings", new ListOf(ID_MAPPING));
  Obj DEVICE = obj("device", "path", STR, "type", STR, "major", INT, "minor", INT, "mode", STR);
  Obj DEVICE_CGROUP = obj("devicecgroup", "allow", BOOL, "type", STR, "major", INT, "minor", INT, "access", STR);
  Obj MEMORY = obj("memory", "limit", INT, "reservation", INT, "swap", INT, "kernel", INT, "kernelTCP", INT,
      "swappiness", INT, "disableOOMKiller", BOOL);
  Obj CPU = obj("cpu", "shares", INT, "quota", INT, "period", INT, "realtimeRuntime", INT, "realtimePeriod", INT,
      "cpus", STR, "mems", STR);
  Obj WEIGHT_DEVICE = obj("weightdevice", "major", INT, "minor", INT, "weight", INT, "leafWeight", INT);
  Obj THROTTLE_DEVICE = obj("throttledevice", "major", INT, "minor", INT, "rate", INT);
  Obj BLOCKIO = obj("blockio", "weight", INT, "leafWeight", INT, "weightDevice", new ListOf(WEIGHT_DEVICE),
      "throttleReadBpsDevice", new ListOf(THROTTLE_DEVICE), "throttleWriteBpsDevice", new ListOf(THROTTLE_DEVICE),
      "throttleReadIOPSDevice", new ListOf(THROTTLE_DEVICE), "throttleWriteIOPSDevice", new ListOf(THROTTLE_DEVICE));
  Obj INTERFACE_PRIORITY = obj("interfacepriority", "name", STR, "priority", INT);
  Obj NETWORK = obj("network", "classID", INT, "priorities", new ListOf(INTERFACE_PRIORITY));
  Obj RESOURCES = obj("resources", "devices", new ListOf(DEVICE_CGROUP), "memory", MEMORY, "cpu", CPU,
      "pids", obj("pids", "limit", INT), "blockio", BLOCKIO,
      "hugepageLimits", new ListOf(obj("hugepagelimit", "pageSize", INT, "limit", INT)), "network", NETWORK);
  Obj INTERFACE = obj("interface", "name", STR, "add", STR, "peer", STR, "createInRoot", BOOL);
  Obj NAMESPACES = obj("namespaces", "cgroup", STR, "ipc", STR, "mnt", STR, "net", STR, "pid", STR, "user", STR, "uts", STR);
  Obj RUNTIME = obj("runtime", "cgroups", STRINGS, "mounts", new ListOf(MOUNT), "mkdir", STRINGS,
      "interfaces", new ListOf(INTERFACE), "bindNS", NAMESPACES, "namespace", STR);

  /** The settings of an onboot/onshutdown/service entry; also what an image's org.mobyproject.config label holds. */
  Obj IMAGE_SETTINGS = obj("image",
      "capabilities", STRINGS, "capabilities.add", STRINGS, "ambient", STRINGS, "mounts", new ListOf(MOUNT),
      "binds", STRINGS, "binds.add", STRINGS, "devices", new ListOf(DEVICE), "tmpfs", STRINGS, "command", STRINGS,
      "env", STRINGS, "cwd", STR, "net", STR, "pid", STR, "ipc", STR, "uts", STR, "userns", STR, "readonly", BOOL,
      "maskedPaths", STRINGS, "readonlyPaths", STRINGS, "uid", new StrOrInt(), "gid", new StrOrInt(),
      "additionalGids", new ListOf(new StrOrInt()), "noNewPrivileges", BOOL, "hostname", STR, "oomScoreAdj", INT,
      "rootfsPropagation", STR, "cgroupsPath", STR, "resources", RESOURCES, "sysctl", new StringMap(),
      "rlimits", STRINGS, "uidMappings", new ListOf(ID_MAPPING), "gidMappings", new ListOf(ID_MAPPING),
      "annotations", new StringMap(), "runtime", RUNTIME);

  Obj IMAGE = withNameAndImage();

  private static Obj withNameAndImage() {
    Map<String, Schema> m = new LinkedHashMap<>();
    m.put("name", STR);
    m.put("image", STR);
    m.putAll(IMAGE_SETTINGS.properties());
    return new Obj("image", m, Set.of("name", "image"));
  }

  Obj KERNEL = obj("kernel", "image", STR, "cmdline", STR, "binary", STR, "tar", STR, "ucode", STR);
  Obj FILE = obj("file", "path", STR, "directory", BOOL, "symlink", STR, "contents", STR, "source", STR,
      "metadata", STR, "optional", BOOL, "mode", STR, "uid", new StrOrInt(), "gid", new StrOrInt());
  Obj TRUST = obj("trust", "image", STRINGS, "org", STRINGS);
  Obj VOLUME = obj("volume", "name", STR, "image", STR, "readonly", BOOL,
      "format", new OneOf(Set.of("oci", "filesystem")), "platforms", STRINGS);

  Obj MOBY = obj("linuxkit file", "kernel", KERNEL, "init", STRINGS, "onboot", new ListOf(IMAGE),
      "onshutdown", new ListOf(IMAGE), "services", new ListOf(IMAGE), "trust", TRUST, "files", new ListOf(FILE),
      "volumes", new ListOf(VOLUME));

  /** Keys of the top level, in LinuxKit's order (for messages). */
  List<String> TOP_LEVEL = List.copyOf(MOBY.properties().keySet());
}
