package dockyard.runc.seccomp;

import java.util.Locale;

/**
 * The seccomp filter return actions (linux/seccomp.h {@code SECCOMP_RET_*}), declared from the most
 * to the least restrictive, the order in which the kernel lets one filter's verdict override
 * another's.
 */
public enum SeccompAction {
  KILL_PROCESS(0x80000000),
  KILL_THREAD(0x00000000),
  TRAP(0x00030000),
  ERRNO(0x00050000),
  NOTIFY(0x7fc00000),
  TRACE(0x7ff00000),
  LOG(0x7ffc0000),
  ALLOW(0x7fff0000);

  /** SECCOMP_RET_DATA: the low 16 bits of a return value carry the errno or the trace message. */
  public static final int DATA_MASK = 0x0000ffff;

  private final int base;

  SeccompAction(int base) { this.base = base; }

  /** The SECCOMP_RET_* value without data. */
  public int base() { return base; }

  /** Whether the action carries data (the errno for ERRNO, the message for TRACE). */
  public boolean takesData() { return this == ERRNO || this == TRACE; }

  /** The filter's return value: the action with {@code data} (0..0xffff) in SECCOMP_RET_DATA. */
  public int ret(int data) {
    if (data < 0 || data > DATA_MASK) throw new IllegalArgumentException("seccomp return data out of range: " + data);
    return base | data;
  }

  /** Whether this action is at least as restrictive as {@code other} by the kernel's precedence. */
  public boolean atLeastAsRestrictiveAs(SeccompAction other) { return ordinal() <= other.ordinal(); }

  /**
   * The action for an OCI {@code SCMP_ACT_*} name. {@code SCMP_ACT_KILL} is {@link #KILL_THREAD},
   * as in libseccomp.
   *
   * @throws SeccompException for a name that is not an OCI seccomp action
   */
  public static SeccompAction fromOci(String name) {
    if (name == null) throw new SeccompException("seccomp action is missing");
    return switch (name) {
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> KILL_THREAD;
      case "SCMP_ACT_KILL_PROCESS" -> KILL_PROCESS;
      case "SCMP_ACT_TRAP" -> TRAP;
      case "SCMP_ACT_ERRNO" -> ERRNO;
      case "SCMP_ACT_NOTIFY" -> NOTIFY;
      case "SCMP_ACT_TRACE" -> TRACE;
      case "SCMP_ACT_LOG" -> LOG;
      case "SCMP_ACT_ALLOW" -> ALLOW;
      default -> throw new SeccompException("unknown seccomp action \"" + name + "\"");
    };
  }

  /** The OCI name, e.g. {@code SCMP_ACT_ERRNO}. */
  public String ociName() { return "SCMP_ACT_" + name().toUpperCase(Locale.ROOT); }
}
