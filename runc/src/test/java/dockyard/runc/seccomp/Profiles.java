package dockyard.runc.seccomp;

import dockyard.runc.spec.Spec;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/** Builders for seccomp profiles in tests. */
final class Profiles {
  private Profiles() {}

  static Spec.Seccomp profile(String defaultAction, Spec.Syscall... rules) {
    return new Spec.Seccomp(defaultAction, null, null, null, null, Arrays.asList(rules));
  }

  static Spec.Seccomp profile(String defaultAction, List<String> architectures, Spec.Syscall... rules) {
    return new Spec.Seccomp(defaultAction, null, architectures, null, null, Arrays.asList(rules));
  }

  static Spec.Syscall rule(String action, String name, Spec.SyscallArg... args) {
    return new Spec.Syscall(List.of(name), action, null, args.length == 0 ? null : Arrays.asList(args));
  }

  static Spec.Syscall rule(String action, Integer errnoRet, List<String> names, Spec.SyscallArg... args) {
    return new Spec.Syscall(names, action, errnoRet, args.length == 0 ? null : Arrays.asList(args));
  }

  static Spec.SyscallArg arg(int index, String op, long value) { return new Spec.SyscallArg(index, u64(value), null, op); }

  static Spec.SyscallArg masked(int index, long mask, long expected) {
    return new Spec.SyscallArg(index, u64(mask), u64(expected), "SCMP_CMP_MASKED_EQ");
  }

  static BigInteger u64(long v) { return new BigInteger(Long.toUnsignedString(v)); }
}
