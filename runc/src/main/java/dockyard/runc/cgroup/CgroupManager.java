package dockyard.runc.cgroup;

import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One container's cgroup: created before the container's first process exists, joined by the
 * helper (it writes its own pid into {@link #procsFiles()} before cloning, so nothing of the
 * container ever runs outside it) and removed on delete.
 */
public interface CgroupManager {
  /**
   * Checks a cgroup that may already exist before anything is created or changed: a frozen one is
   * refused (joining it would freeze the runtime), one with processes in it is warned about.
   */
  void preflight(List<String> warnings) throws IOException;

  /** Creates the directories and writes the limits; warnings collect settings this host lacks. */
  void create(Spec.Resources resources, List<String> warnings) throws IOException;

  /** Writes new limits into the existing cgroup (runc update); only the values given change. */
  void update(Spec.Resources resources, List<String> warnings) throws IOException;

  /** The files whose writing moves a process into this cgroup, one per hierarchy. */
  List<Path> procsFiles();

  /** Controller (or "unified") → directory, as stored in the state file. */
  Map<String, Path> paths();

  /** Pids of every process in the cgroup. */
  List<Integer> pids() throws IOException;

  void freeze() throws IOException;

  /** True when the freezer holds the cgroup stopped (runc's "paused"). */
  boolean frozen();


  void thaw() throws IOException;

  /** How many processes the OOM killer has killed in this cgroup so far. */
  long oomKills();

  /** runc's `events --stats` data: cpu, memory, pids, blkio. */
  Map<String, Object> stats() throws IOException;

  /** Removes the directories; waits briefly for the kernel to let go of exiting tasks. */
  void destroy() throws IOException;

  /** The manager for this host's cgroup layout (v1/hybrid or unified v2). */
  static CgroupManager forHost(String cgroupsPath, String id) throws IOException {
    Hierarchies h = Hierarchies.ofThisProcess();
    return h.unifiedOnly() ? new CgroupV2(h, cgroupsPath, id) : new CgroupV1(h, cgroupsPath, id);
  }

  /** Rebuilds a manager for an existing container from the paths its state file recorded. */
  static CgroupManager fromPaths(Map<String, Path> paths) {
    return paths.containsKey("unified") && paths.size() == 1 ? CgroupV2.existing(paths.get("unified")) : CgroupV1.existing(paths);
  }
}
