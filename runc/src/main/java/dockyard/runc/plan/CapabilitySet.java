package dockyard.runc.plan;

import java.util.List;
import java.util.Locale;

/** Linux capability names (as config.json spells them) to bit numbers, and lists to 64-bit masks. */
public final class CapabilitySet {
  private static final List<String> NAMES = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
      "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
      "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
      "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
      "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
      "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE");

  private CapabilitySet() {}

  /** Bit number of a capability name, or -1 when this kernel generation has no such capability. */
  public static int bit(String name) {
    return NAMES.indexOf(name.toUpperCase(Locale.ROOT));
  }

  /**
   * The mask of the named capabilities. An unknown name is an error: the runtime-spec requires
   * values that cannot be mapped to the kernel to fail the create.
   */
  public static long mask(List<String> names, String set) {
    long mask = 0;
    if (names == null) return 0;
    for (String name : names) {
      int bit = bit(name);
      if (bit < 0) throw new dockyard.runc.RuntimeError("unknown capability \"" + name + "\" in the " + set + " set");
      mask |= 1L << bit;
    }
    return mask;
  }

  public static List<String> all() {
    return NAMES;
  }
}
