package dockyard.runc;

import dockyard.runc.spec.Spec;

/** A container's resources with an update laid over them: every value the update sets wins. */
final class ResourcesMerge {
  private ResourcesMerge() {}

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
