package dockyard.runc;

import dockyard.runc.spec.Spec;

/** A container's resources with an update laid over them: every value the update sets wins. */
final class ResourcesMerge {
  private ResourcesMerge() {}

  /**
   * What an update really asks for, read as runc's {@code update} reads it: a zero number or an
   * empty string means "leave unchanged" (dockerd and containerd send the whole linux.resources
   * object with zeros in every field not being changed), and device rules are not updated. -1
   * (unlimited) stays a value. Null when nothing is left.
   */
  static Spec.Resources forUpdate(Spec.Resources d) {
    if (d == null) return null;
    Spec.Memory m = d.memory() == null ? null : nullIfEmpty(new Spec.Memory(set(d.memory().limit()), set(d.memory().reservation()),
        set(d.memory().swap()), set(d.memory().kernel()), set(d.memory().kernelTCP()), d.memory().swappiness(),
        d.memory().disableOOMKiller(), d.memory().useHierarchy()));
    Spec.Cpu c = d.cpu() == null ? null : nullIfEmpty(new Spec.Cpu(set(d.cpu().shares()), set(d.cpu().quota()), set(d.cpu().period()),
        set(d.cpu().realtimeRuntime()), set(d.cpu().realtimePeriod()), set(d.cpu().cpus()), set(d.cpu().mems())));
    Spec.BlockIO b = d.blockIO() == null ? null : nullIfEmpty(new Spec.BlockIO(set(d.blockIO().weight()), set(d.blockIO().leafWeight()),
        set(d.blockIO().weightDevice()), set(d.blockIO().throttleReadBpsDevice()), set(d.blockIO().throttleWriteBpsDevice()),
        set(d.blockIO().throttleReadIOPSDevice()), set(d.blockIO().throttleWriteIOPSDevice())));
    Spec.Pids p = d.pids() == null || d.pids().limit() == 0 ? null : d.pids();
    Spec.Network n = d.network() == null || (set(d.network().classID()) == null && set(d.network().priorities()) == null) ? null
        : new Spec.Network(set(d.network().classID()), set(d.network().priorities()));
    var hugepages = set(d.hugepageLimits());
    var unified = d.unified() == null || d.unified().isEmpty() ? null : d.unified();
    if (m == null && c == null && b == null && p == null && n == null && hugepages == null && unified == null) return null;
    return new Spec.Resources(null, m, c, p, b, hugepages, n, unified);
  }

  private static Long set(Long v) {
    return v == null || v == 0 ? null : v;
  }

  private static Integer set(Integer v) {
    return v == null || v == 0 ? null : v;
  }

  private static java.math.BigInteger set(java.math.BigInteger v) {
    return v == null || v.signum() == 0 ? null : v;
  }

  private static String set(String v) {
    return v == null || v.isEmpty() ? null : v;
  }

  private static <T> java.util.List<T> set(java.util.List<T> v) {
    return v == null || v.isEmpty() ? null : v;
  }

  private static Spec.Memory nullIfEmpty(Spec.Memory m) {
    return m.equals(new Spec.Memory(null, null, null, null, null, null, null, null)) ? null : m;
  }

  private static Spec.Cpu nullIfEmpty(Spec.Cpu c) {
    return c.equals(new Spec.Cpu(null, null, null, null, null, null, null)) ? null : c;
  }

  private static Spec.BlockIO nullIfEmpty(Spec.BlockIO b) {
    return b.equals(new Spec.BlockIO(null, null, null, null, null, null, null)) ? null : b;
  }

  static Spec.Resources merge(Spec.Resources base, Spec.Resources d) {
    if (base == null) return d;
    if (d == null) return base;
    return new Spec.Resources(
        d.devices() != null ? d.devices() : base.devices(),
        memory(base.memory(), d.memory()),
        cpu(base.cpu(), d.cpu()),
        d.pids() != null ? d.pids() : base.pids(),
        blockIO(base.blockIO(), d.blockIO()),
        d.hugepageLimits() != null ? d.hugepageLimits() : base.hugepageLimits(),
        d.network() != null ? d.network() : base.network(),
        d.unified() != null ? d.unified() : base.unified());
  }

  private static <T> T or(T update, T base) {
    return update != null ? update : base;
  }

  private static Spec.Memory memory(Spec.Memory b, Spec.Memory d) {
    if (b == null || d == null) return d != null ? d : b;
    return new Spec.Memory(or(d.limit(), b.limit()), or(d.reservation(), b.reservation()), or(d.swap(), b.swap()),
        or(d.kernel(), b.kernel()), or(d.kernelTCP(), b.kernelTCP()), or(d.swappiness(), b.swappiness()),
        or(d.disableOOMKiller(), b.disableOOMKiller()), or(d.useHierarchy(), b.useHierarchy()));
  }

  private static Spec.Cpu cpu(Spec.Cpu b, Spec.Cpu d) {
    if (b == null || d == null) return d != null ? d : b;
    return new Spec.Cpu(or(d.shares(), b.shares()), or(d.quota(), b.quota()), or(d.period(), b.period()),
        or(d.realtimeRuntime(), b.realtimeRuntime()), or(d.realtimePeriod(), b.realtimePeriod()), or(d.cpus(), b.cpus()), or(d.mems(), b.mems()));
  }

  private static Spec.BlockIO blockIO(Spec.BlockIO b, Spec.BlockIO d) {
    if (b == null || d == null) return d != null ? d : b;
    return new Spec.BlockIO(or(d.weight(), b.weight()), or(d.leafWeight(), b.leafWeight()), or(d.weightDevice(), b.weightDevice()),
        or(d.throttleReadBpsDevice(), b.throttleReadBpsDevice()), or(d.throttleWriteBpsDevice(), b.throttleWriteBpsDevice()),
        or(d.throttleReadIOPSDevice(), b.throttleReadIOPSDevice()), or(d.throttleWriteIOPSDevice(), b.throttleWriteIOPSDevice()));
  }
}
