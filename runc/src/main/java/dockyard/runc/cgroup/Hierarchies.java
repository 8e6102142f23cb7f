package dockyard.runc.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cgroup hierarchies mounted on this host (from /proc/self/mountinfo) and this process's place
 * in each (from /proc/self/cgroup), which together resolve a config's cgroupsPath.
 *
 * @param v1 controller name (or "name=systemd") → mount point of its v1 hierarchy
 * @param unified the cgroup2 mount point, or null
 * @param ownV1 controller → this process's cgroup in that hierarchy
 * @param ownUnified this process's cgroup in the v2 hierarchy
 */
record Hierarchies(Map<String, Path> v1, Path unified, Map<String, String> ownV1, String ownUnified) {

  /** True on a pure v2 host; a hybrid host (v1 controllers, v2 without them) is managed as v1. */
  boolean unifiedOnly() {
    return v1.isEmpty() && unified != null;
  }

  static Hierarchies ofThisProcess() throws IOException {
    return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")), Files.readAllLines(Path.of("/proc/self/cgroup")));
  }

  static Hierarchies parse(List<String> mountinfo, List<String> cgroupFile) {
    Map<String, Path> v1 = new LinkedHashMap<>();
    Path unified = null;
    for (String line : mountinfo) {
      // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
      String[] halves = line.split(" - ", 2);
      if (halves.length < 2) continue;
      String[] left = halves[0].split(" ");
      String[] right = halves[1].split(" ");
      if (right.length < 3 || left.length < 5) continue;
      Path mountPoint = Path.of(unescape(left[4]));
      if (right[0].equals("cgroup2")) {
        if (unified == null) unified = mountPoint;
      } else if (right[0].equals("cgroup")) {
        for (String opt : right[2].split(",")) {
          if (opt.equals("rw") || opt.equals("ro") || opt.startsWith("release_agent") || opt.equals("clone_children") || opt.equals("noprefix") || opt.equals("xattr")) continue;
          v1.putIfAbsent(opt, mountPoint);
        }
      }
    }
    Map<String, String> own = new LinkedHashMap<>();
    String ownUnified = "/";
    for (String line : cgroupFile) {
      String[] parts = line.split(":", 3);
      if (parts.length < 3) continue;
      if (parts[0].equals("0") && parts[1].isEmpty()) ownUnified = parts[2];
      else for (String c : parts[1].split(",")) own.put(c, parts[2]);
    }
    return new Hierarchies(v1, unified, own, ownUnified);
  }

  /**
   * The container's cgroup relative to a hierarchy's root: an absolute cgroupsPath is taken from
   * the root, a relative one from the runtime's own cgroup, and none means "/ID", as runc does.
   */
  static String resolve(String cgroupsPath, String own, String id) {
    if (cgroupsPath == null || cgroupsPath.isEmpty()) return "/" + id;
    if (cgroupsPath.contains(":")) {
      throw new IllegalArgumentException("cgroupsPath \"" + cgroupsPath + "\" is in systemd's slice:prefix:name form; only cgroupfs paths are supported");
    }
    String p = cgroupsPath.startsWith("/") ? cgroupsPath : (own.endsWith("/") ? own : own + "/") + cgroupsPath;
    Path normal = Path.of(p).normalize();
    if (!normal.startsWith("/")) throw new IllegalArgumentException("cgroupsPath \"" + cgroupsPath + "\" escapes the cgroup root");
    return normal.toString();
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
