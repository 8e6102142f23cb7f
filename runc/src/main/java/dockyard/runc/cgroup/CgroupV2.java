package dockyard.runc.cgroup;

import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The unified (v2) hierarchy, for hosts without v1 controllers. The v1 values of config.json are
 * converted the way the runtime-spec's cgroup-v2 conversion table says. Device rules need an eBPF
 * program on v2 and are reported as not applied.
 */
final class CgroupV2 implements CgroupManager {
  private final Path dir;

  private CgroupV2(Path dir) {
    this.dir = dir;
  }

  CgroupV2(Hierarchies h, String cgroupsPath, String id) {
    this(h.unified().resolve(Hierarchies.resolve(cgroupsPath, h.ownUnified(), id).substring(1)));
  }

  static CgroupV2 existing(Path dir) {
    return new CgroupV2(dir);
  }

  @Override
  public void create(Spec.Resources r, List<String> warnings) throws IOException {
    enableControllers(warnings);
    Files.createDirectories(dir);
    update(r, warnings);
  }

  @Override
  public void preflight(List<String> warnings) throws IOException {
    if (frozen()) throw new IOException("container's cgroup unexpectedly frozen (" + dir + ")");
    List<Integer> already = pids();
    if (!already.isEmpty()) warnings.add("container's cgroup is not empty: " + already.size() + " process(es) already in it");
  }

  @Override
  public void update(Spec.Resources r, List<String> warnings) throws IOException {
    if (r == null) return;
    if (r.memory() != null) {
      var m = r.memory();
      if (m.limit() != null) CgroupFiles.writeIfPresent(dir, "memory.max", max(m.limit()), warnings);
      if (m.reservation() != null) CgroupFiles.writeIfPresent(dir, "memory.low", max(m.reservation()), warnings);
      if (m.swap() != null && m.limit() != null) {
        long swap = m.swap() == -1 ? -1 : m.swap() - Math.max(0, m.limit());
        CgroupFiles.writeIfPresent(dir, "memory.swap.max", max(swap), warnings);
      }
    }
    if (r.cpu() != null) {
      var c = r.cpu();
      if (c.shares() != null) {
        long shares = c.shares().longValue();
        CgroupFiles.writeIfPresent(dir, "cpu.weight", Long.toString(1 + ((shares - 2) * 9999) / 262142), warnings);
      }
      if (c.quota() != null || c.period() != null) {
        String quota = c.quota() == null || c.quota() <= 0 ? "max" : c.quota().toString();
        String period = c.period() == null ? "100000" : c.period().toString();
        CgroupFiles.writeIfPresent(dir, "cpu.max", quota + " " + period, warnings);
      }
      if (c.cpus() != null && !c.cpus().isEmpty()) CgroupFiles.writeIfPresent(dir, "cpuset.cpus", c.cpus(), warnings);
      if (c.mems() != null && !c.mems().isEmpty()) CgroupFiles.writeIfPresent(dir, "cpuset.mems", c.mems(), warnings);
    }
    if (r.pids() != null) CgroupFiles.writeIfPresent(dir, "pids.max", r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max", warnings);
    if (r.blockIO() != null && r.blockIO().weight() != null) {
      int w = r.blockIO().weight();
      CgroupFiles.writeIfPresent(dir, "io.weight", Integer.toString(1 + ((w - 10) * 9999) / 990), warnings);
    }
    if (r.hugepageLimits() != null) {
      for (var l : r.hugepageLimits()) CgroupFiles.writeIfPresent(dir, "hugetlb." + l.pageSize() + ".max", l.limit().toString(), warnings);
    }
    if (r.unified() != null) {
      // linux.resources.unified: cgroup v2 files written as given, after the converted values
      for (var e : new java.util.TreeMap<>(r.unified()).entrySet()) {
        if (e.getKey().contains("/") || e.getKey().startsWith(".")) throw new IOException("linux.resources.unified: invalid file name \"" + e.getKey() + "\"");
        CgroupFiles.write(dir, e.getKey(), e.getValue());
      }
    }
    if (r.devices() != null && !r.devices().isEmpty()) warnings.add("cgroup v2: device rules need an eBPF program, which this runtime does not load; not applied");
  }

  private static String max(long v) {
    return v < 0 ? "max" : Long.toString(v);
  }

  /** Each ancestor must delegate the controllers to its children through cgroup.subtree_control. */
  private void enableControllers(List<String> warnings) throws IOException {
    Path root = dir.getRoot();
    Path p = dir.getParent();
    java.util.Deque<Path> chain = new java.util.ArrayDeque<>();
    while (p != null && Files.exists(p.resolve("cgroup.controllers"))) {
      chain.push(p);
      if (p.equals(root)) break;
      p = p.getParent();
    }
    for (Path parent : chain) {
      Files.createDirectories(parent);
      String available = CgroupFiles.read(parent, "cgroup.controllers");
      for (String c : available.split(" ")) {
        if (c.isEmpty()) continue;
        try {
          CgroupFiles.write(parent, "cgroup.subtree_control", "+" + c);
        } catch (IOException e) {
          warnings.add("cgroup v2: cannot enable " + c + " in " + parent + ": " + e.getMessage());
        }
      }
    }
  }

  @Override
  public List<Path> procsFiles() {
    return List.of(dir.resolve("cgroup.procs"));
  }

  @Override
  public Map<String, Path> paths() {
    return Map.of("unified", dir);
  }

  @Override
  public List<Integer> pids() throws IOException {
    return CgroupFiles.readPids(dir.resolve("cgroup.procs"));
  }

  @Override
  public void freeze() throws IOException {
    CgroupFiles.write(dir, "cgroup.freeze", "1");
    // freezing is asynchronous: wait until the kernel reports every task stopped
    CgroupFiles.await(() -> CgroupFiles.readKeyed(dir, "cgroup.events").getOrDefault("frozen", 0L) == 1L);
  }

  @Override
  public boolean frozen() {
    try {
      return CgroupFiles.read(dir, "cgroup.freeze").equals("1");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void thaw() throws IOException {
    CgroupFiles.write(dir, "cgroup.freeze", "0");
  }

  @Override
  public long oomKills() {
    return CgroupFiles.readKeyed(dir, "memory.events").getOrDefault("oom_kill", 0L);
  }

  @Override
  public Map<String, Object> stats() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Long> cpu = CgroupFiles.readKeyed(dir, "cpu.stat");
    out.put("cpu", Map.of("usage", Map.of("total", cpu.getOrDefault("usage_usec", 0L) * 1000, "user", cpu.getOrDefault("user_usec", 0L) * 1000, "kernel", cpu.getOrDefault("system_usec", 0L) * 1000)));
    out.put("memory", Map.of("usage", Map.of("usage", CgroupFiles.readLong(dir, "memory.current"), "limit", CgroupFiles.readLong(dir, "memory.max")), "raw", CgroupFiles.readKeyed(dir, "memory.stat")));
    out.put("pids", Map.of("current", CgroupFiles.readLong(dir, "pids.current"), "limit", Math.max(0, CgroupFiles.readLong(dir, "pids.max"))));
    return out;
  }

  @Override
  public void destroy() throws IOException {
    CgroupFiles.remove(dir);
  }

}
