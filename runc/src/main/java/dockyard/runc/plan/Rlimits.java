package dockyard.runc.plan;

import java.util.List;

/** RLIMIT_* names to their x86-64 resource numbers. */
public final class Rlimits {
  private static final List<String> NAMES = List.of(
      "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
      "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
      "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

  private Rlimits() {}

  /** Resource number, or -1 for a name Linux does not have. */
  public static int resource(String name) {
    return NAMES.indexOf(name);
  }
}
