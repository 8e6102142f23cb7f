package dockyard.runc.cgroup;

import dockyard.runc.spec.Spec;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** cgroup v1 (and hybrid hosts such as this one): one directory per mounted hierarchy. */
final class CgroupV1 implements CgroupManager {
  private final Map<String, Path> dirs;

  private CgroupV1(Map<String, Path> dirs) {
    this.dirs = dirs;
  }

  CgroupV1(Hierarchies h, String cgroupsPath, String id) {
    Map<String, Path> d = new LinkedHashMap<>();
    for (var e : h.v1().entrySet()) {
      String rel = Hierarchies.resolve(cgroupsPath, h.ownV1().getOrDefault(e.getKey(), "/"), id);
      d.put(e.getKey(), e.getValue().resolve(rel.substring(1)));
    }
    // Hybrid hosts: the v2 hierarchy (no controllers, but where systemd and tools look for a
    // process) gets the container too, as runc places it.
    if (h.unified() != null) d.put("unified", h.unified().resolve(Hierarchies.resolve(cgroupsPath, h.ownUnified(), id).substring(1)));
    this.dirs = d;
  }

  static CgroupV1 existing(Map<String, Path> paths) {
    return new CgroupV1(new LinkedHashMap<>(paths));
  }

  @Override
  public void create(Spec.Resources r, List<String> warnings) throws IOException {
    for (Path dir : new LinkedHashSet<>(dirs.values())) Files.createDirectories(dir);
    Path cpuset = dirs.get("cpuset");
    if (cpuset != null) inheritCpuset(cpuset);
    update(r, warnings);
  }

  @Override
  public void preflight(List<String> warnings) throws IOException {
    // Joining a frozen cgroup would freeze the helper itself, forever: refuse, as runc does.
    if (frozen()) throw new IOException("container's cgroup unexpectedly frozen (" + dirs.get("freezer") + ")");
    List<Integer> already = pids();
    if (!already.isEmpty()) warnings.add("container's cgroup is not empty: " + already.size() + " process(es) already in it");
  }

  @Override
  public void update(Spec.Resources r, List<String> warnings) throws IOException {
    if (r == null) return;
    if (r.unified() != null && !r.unified().isEmpty()) throw new IOException("invalid configuration: cannot use unified on cgroup v1");
    if (r.memory() != null) memory(r.memory(), warnings);
    if (r.cpu() != null) cpu(r.cpu(), warnings);
    if (r.pids() != null) {
      Path pids = need("pids", "pids limit");
      if (pids != null) CgroupFiles.write(pids, "pids.max", r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max");
    }
    if (r.blockIO() != null) blockIO(r.blockIO(), warnings);
    if (r.devices() != null) devices(r.devices(), warnings);
    if (r.hugepageLimits() != null) {
      Path hugetlb = need("hugetlb", "hugepage limits");
      if (hugetlb != null) for (var l : r.hugepageLimits()) CgroupFiles.write(hugetlb, "hugetlb." + l.pageSize() + ".limit_in_bytes", l.limit().toString());
    }
    if (r.network() != null) {
      if (r.network().classID() != null) {
        Path netCls = need("net_cls", "network classID");
        if (netCls != null) CgroupFiles.write(netCls, "net_cls.classid", Long.toString(r.network().classID()));
      }
      if (r.network().priorities() != null && !r.network().priorities().isEmpty()) {
        Path netPrio = need("net_prio", "network priorities");
        if (netPrio != null) for (var p : r.network().priorities()) CgroupFiles.write(netPrio, "net_prio.ifpriomap", p.name() + " " + p.priority());
      }
    }
  }

  /**
   * The controller a requested limit needs. A limit the host cannot apply fails the create, as the
   * runtime-spec asks and runc does, rather than running the container without it.
   */
  private Path need(String controller, String what) throws IOException {
    Path p = dirs.get(controller);
    if (p == null) throw new IOException("cgroup: this host has no " + controller + " controller; cannot apply " + what);
    return p;
  }

  private void memory(Spec.Memory m, List<String> warnings) throws IOException {
    Path dir = need("memory", "memory limits");
    if (dir == null) return;
    // v1's memsw limit must stay >= the memory limit at every step, so the order of the two writes
    // depends on whether the limit grows or shrinks.
    boolean swapFile = Files.exists(dir.resolve("memory.memsw.limit_in_bytes"));
    if (m.limit() != null) {
      long limit = m.limit();
      long current = CgroupFiles.readLong(dir, "memory.limit_in_bytes");
      boolean grows = limit == -1 || limit > current;
      if (swapFile && grows && (m.swap() != null || limit == -1 || memswBelow(dir, limit))) {
        // memsw first: without a new swap value it follows the limit (no swap; -1 stays -1, as runc
        // does), so raising the limit of a container whose memsw equals its old limit works
        CgroupFiles.write(dir, "memory.memsw.limit_in_bytes", Long.toString(m.swap() != null ? m.swap() : limit));
        CgroupFiles.write(dir, "memory.limit_in_bytes", Long.toString(limit));
      } else {
        CgroupFiles.write(dir, "memory.limit_in_bytes", Long.toString(limit));
        if (m.swap() != null) CgroupFiles.writeIfPresent(dir, "memory.memsw.limit_in_bytes", Long.toString(m.swap()), warnings);
        else if (swapFile && limit > 0) CgroupFiles.write(dir, "memory.memsw.limit_in_bytes", Long.toString(limit));
      }
    } else if (m.swap() != null) {
      CgroupFiles.writeIfPresent(dir, "memory.memsw.limit_in_bytes", Long.toString(m.swap()), warnings);
    }
    if (m.reservation() != null) CgroupFiles.write(dir, "memory.soft_limit_in_bytes", Long.toString(m.reservation()));
    if (m.kernel() != null) warnings.add("memory.kernel is deprecated by the kernel and ignored");
    if (m.kernelTCP() != null) CgroupFiles.writeIfPresent(dir, "memory.kmem.tcp.limit_in_bytes", Long.toString(m.kernelTCP()), warnings);
    if (m.swappiness() != null) {
      if (m.swappiness().compareTo(BigInteger.valueOf(100)) > 0) throw new IOException("memory.swappiness " + m.swappiness() + " is out of range 0..100");
      CgroupFiles.writeIfPresent(dir, "memory.swappiness", m.swappiness().toString(), warnings);
    }
    if (Boolean.TRUE.equals(m.disableOOMKiller())) CgroupFiles.write(dir, "memory.oom_control", "1");
  }

  private static boolean memswBelow(Path dir, long limit) throws IOException {
    long memsw = CgroupFiles.readLong(dir, "memory.memsw.limit_in_bytes");
    return memsw >= 0 && memsw < limit;
  }

  private void cpu(Spec.Cpu c, List<String> warnings) throws IOException {
    Path cpu = dirs.get("cpu");
    if (cpu == null && (c.shares() != null || c.quota() != null || c.period() != null)) throw new IOException("cgroup: this host has no cpu controller; cannot apply cpu limits");
    if (cpu != null) {
      if (c.shares() != null) CgroupFiles.write(cpu, "cpu.shares", c.shares().toString());
      // A period below the current one can be refused (EINVAL) while the old quota over the new
      // period exceeds a parent's limit; with a quota to set too, runc then writes the quota first.
      boolean periodLater = false;
      if (c.period() != null) {
        try {
          CgroupFiles.write(cpu, "cpu.cfs_period_us", c.period().toString());
        } catch (IOException e) {
          if (c.quota() == null || !String.valueOf(e.getMessage()).endsWith("Invalid argument")) throw e;
          periodLater = true;
        }
      }
      if (c.quota() != null) CgroupFiles.write(cpu, "cpu.cfs_quota_us", Long.toString(c.quota()));
      if (periodLater) CgroupFiles.write(cpu, "cpu.cfs_period_us", c.period().toString());
      if (c.realtimePeriod() != null) CgroupFiles.writeIfPresent(cpu, "cpu.rt_period_us", c.realtimePeriod().toString(), warnings);
      if (c.realtimeRuntime() != null) CgroupFiles.writeIfPresent(cpu, "cpu.rt_runtime_us", Long.toString(c.realtimeRuntime()), warnings);
    }
    Path cpuset = dirs.get("cpuset");
    if (cpuset != null) {
      if (c.cpus() != null && !c.cpus().isEmpty()) CgroupFiles.write(cpuset, "cpuset.cpus", c.cpus());
      if (c.mems() != null && !c.mems().isEmpty()) CgroupFiles.write(cpuset, "cpuset.mems", c.mems());
    }
  }

  private void blockIO(Spec.BlockIO b, List<String> warnings) throws IOException {
    Path dir = need("blkio", "block I/O limits");
    if (dir == null) return;
    if (b.weight() != null) weight(dir, "weight", b.weight().toString(), warnings);
    if (b.leafWeight() != null) CgroupFiles.writeIfPresent(dir, "blkio.leaf_weight", b.leafWeight().toString(), warnings);
    if (b.weightDevice() != null) {
      for (var w : b.weightDevice()) {
        if (w.weight() != null) weight(dir, "weight_device", w.major() + ":" + w.minor() + " " + w.weight(), warnings);
        if (w.leafWeight() != null) CgroupFiles.writeIfPresent(dir, "blkio.leaf_weight_device", w.major() + ":" + w.minor() + " " + w.leafWeight(), warnings);
      }
    }
    throttle(dir, "blkio.throttle.read_bps_device", b.throttleReadBpsDevice());
    throttle(dir, "blkio.throttle.write_bps_device", b.throttleWriteBpsDevice());
    throttle(dir, "blkio.throttle.read_iops_device", b.throttleReadIOPSDevice());
    throttle(dir, "blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice());
  }

  /** CFQ's blkio.weight is gone from modern kernels; BFQ's blkio.bfq.weight takes its place. */
  private static void weight(Path dir, String name, String value, List<String> warnings) throws IOException {
    if (Files.exists(dir.resolve("blkio." + name))) CgroupFiles.write(dir, "blkio." + name, value);
    else CgroupFiles.writeIfPresent(dir, "blkio.bfq." + name, value, warnings);
  }

  private static void throttle(Path dir, String file, List<Spec.ThrottleDevice> devices) throws IOException {
    if (devices == null) return;
    for (var d : devices) CgroupFiles.write(dir, file, d.major() + ":" + d.minor() + " " + d.rate());
  }

  private void devices(List<Spec.DeviceRule> rules, List<String> warnings) throws IOException {
    Path dir = need("devices", "device rules");
    if (dir == null) return;
    for (String rule : DeviceRules.v1Lines(rules)) {
      CgroupFiles.write(dir, rule.startsWith("allow ") ? "devices.allow" : "devices.deny", rule.substring(rule.indexOf(' ') + 1));
    }
  }

  /** A new cpuset cgroup starts with empty cpus/mems and refuses tasks until they are filled in. */
  private static void inheritCpuset(Path dir) throws IOException {
    for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
      if (!CgroupFiles.read(dir, file).isEmpty()) continue;
      Path ancestor = dir.getParent();
      List<Path> chain = new ArrayList<>();
      chain.add(dir);
      while (ancestor != null && Files.exists(ancestor.resolve(file)) && CgroupFiles.read(ancestor, file).isEmpty()) {
        chain.add(ancestor);
        ancestor = ancestor.getParent();
      }
      if (ancestor == null || !Files.exists(ancestor.resolve(file))) continue;
      String value = CgroupFiles.read(ancestor, file);
      for (int i = chain.size() - 1; i >= 0; i--) CgroupFiles.write(chain.get(i), file, value);
    }
  }

  @Override
  public List<Path> procsFiles() {
    return new LinkedHashSet<>(dirs.values()).stream().map(d -> d.resolve("cgroup.procs")).toList();
  }

  @Override
  public Map<String, Path> paths() {
    return Map.copyOf(dirs);
  }

  @Override
  public List<Integer> pids() throws IOException {
    Path any = dirs.getOrDefault("pids", dirs.getOrDefault("memory", dirs.values().stream().findFirst().orElse(null)));
    return any == null ? List.of() : CgroupFiles.readPids(any.resolve("cgroup.procs"));
  }

  @Override
  public void freeze() throws IOException {
    setFreezer("FROZEN");
  }

  @Override
  public void thaw() throws IOException {
    setFreezer("THAWED");
  }

  private void setFreezer(String state) throws IOException {
    Path dir = dirs.get("freezer");
    if (dir == null) throw new IOException("cgroup: this host has no freezer controller; pause/resume are unavailable");
    CgroupFiles.write(dir, "freezer.state", state);
    // FREEZING is transient: wait until every task is stopped (or thawed).
    CgroupFiles.await(() -> CgroupFiles.read(dir, "freezer.state").equals(state));
  }

  @Override
  public boolean frozen() {
    Path dir = dirs.get("freezer");
    try {
      return dir != null && CgroupFiles.read(dir, "freezer.state").equals("FROZEN");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public long oomKills() {
    Path mem = dirs.get("memory");
    return mem == null ? 0 : CgroupFiles.readKeyed(mem, "memory.oom_control").getOrDefault("oom_kill", 0L);
  }

  @Override
  public Map<String, Object> stats() throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    Path cpuacct = dirs.get("cpuacct");
    if (cpuacct != null) {
      Map<String, Object> usage = new LinkedHashMap<>();
      usage.put("total", CgroupFiles.readLong(cpuacct, "cpuacct.usage"));
      usage.put("user", CgroupFiles.readLong(cpuacct, "cpuacct.usage_user"));
      usage.put("kernel", CgroupFiles.readLong(cpuacct, "cpuacct.usage_sys"));
      Map<String, Object> cpu = new LinkedHashMap<>();
      cpu.put("usage", usage);
      Path cpuDir = dirs.get("cpu");
      if (cpuDir != null) {
        Map<String, Long> st = CgroupFiles.readKeyed(cpuDir, "cpu.stat");
        cpu.put("throttling", Map.of("periods", st.getOrDefault("nr_periods", 0L), "throttledPeriods", st.getOrDefault("nr_throttled", 0L), "throttledTime", st.getOrDefault("throttled_time", 0L)));
      }
      out.put("cpu", cpu);
    }
    Path mem = dirs.get("memory");
    if (mem != null) {
      Map<String, Object> memory = new LinkedHashMap<>();
      memory.put("cache", CgroupFiles.readKeyed(mem, "memory.stat").getOrDefault("cache", 0L));
      memory.put("usage", Map.of("limit", CgroupFiles.readLong(mem, "memory.limit_in_bytes"), "usage", CgroupFiles.readLong(mem, "memory.usage_in_bytes"), "max", CgroupFiles.readLong(mem, "memory.max_usage_in_bytes"), "failcnt", CgroupFiles.readLong(mem, "memory.failcnt")));
      memory.put("raw", CgroupFiles.readKeyed(mem, "memory.stat"));
      out.put("memory", memory);
    }
    Path pids = dirs.get("pids");
    if (pids != null) out.put("pids", Map.of("current", CgroupFiles.readLong(pids, "pids.current"), "limit", Math.max(0, CgroupFiles.readLong(pids, "pids.max"))));
    return out;
  }

  @Override
  public void destroy() throws IOException {
    IOException first = null;
    for (Path dir : new LinkedHashSet<>(dirs.values())) {
      try {
        CgroupFiles.remove(dir);
      } catch (IOException e) {
        if (first == null) first = e;
      }
    }
    if (first != null) throw first;
  }
}
