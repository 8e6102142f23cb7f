package dockyard.runc.seccomp;

import dockyard.runc.seccomp.BpfInterpreter.SeccompData;
import dockyard.runc.spec.Spec;
import java.math.BigInteger;
import java.util.List;
import java.util.OptionalInt;

/**
 * The seccomp semantics the compiler promises, evaluated directly on the spec records for one
 * seccomp_data, without BPF: the oracle for the property tests. Written separately from the
 * compiler, with its own constants.
 */
final class SpecSemantics {
  private SpecSemantics() {}

  static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  static final int AUDIT_ARCH_I386 = 0x40000003;
  static final int KILL_PROCESS = 0x80000000;

  static boolean enosysStub(int def) {
    return def != 0x7fff0000 && def != 0x7ffc0000;
  }

  static int evaluate(Spec.Seccomp spec, SeccompData d, SyscallTable table) {
    int def = value(spec.defaultAction(), spec.defaultErrnoRet());
    List<String> archs = spec.architectures() == null ? List.of() : spec.architectures();
    List<Spec.Syscall> rules = spec.syscalls() == null ? List.of() : spec.syscalls();
    if (d.arch() == AUDIT_ARCH_X86_64) {
      if (Integer.compareUnsigned(d.nr(), 0x40000000) >= 0 && d.nr() != -1) {
        return archs.contains("SCMP_ARCH_X32") ? foreign(def, rules) : KILL_PROCESS;
      }
      for (Spec.Syscall rule : rules) {
        boolean named = false;
        for (String name : rule.names()) {
          OptionalInt nr = table.number(name);
          if (nr.isPresent() && nr.getAsInt() == d.nr()) named = true;
        }
        if (!named) continue;
        boolean match;
        if (rule.args() == null || rule.args().isEmpty()) {
          match = true;
        } else if (rule.args().stream().map(Spec.SyscallArg::index).distinct().count() < rule.args().size()) {
          // runc: when an argument index repeats, each condition is a rule of its own (OR)
          match = rule.args().stream().anyMatch(arg -> holds(arg, d.args()[arg.index()]));
        } else {
          match = rule.args().stream().allMatch(arg -> holds(arg, d.args()[arg.index()]));
        }
        if (match) return value(rule.action(), rule.errnoRet());
      }
      // runc's -ENOSYS stub: a syscall newer than any the runtime knows gets ENOSYS, not the
      // default, so a libc falls back to an older call instead of failing
      if (enosysStub(def) && Integer.compareUnsigned(d.nr(), table.maxNumber()) > 0
          && Integer.compareUnsigned(d.nr(), 0x40000000) < 0) return 0x00050000 | 38;
      return def;
    }
    if (d.arch() == AUDIT_ARCH_I386 && archs.contains("SCMP_ARCH_X86")) return foreign(def, rules);
    return KILL_PROCESS;
  }

  /** The most restrictive of the default and every rule's action; ties keep the earlier. */
  static int foreign(int def, List<Spec.Syscall> rules) {
    int best = def;
    for (Spec.Syscall rule : rules) {
      int v = value(rule.action(), rule.errnoRet());
      if (rank(v) < rank(best)) best = v;
    }
    return best;
  }

  private static int rank(int value) {
    return switch (value & 0xffff0000) {
      case 0x80000000 -> 0;
      case 0x00000000 -> 1;
      case 0x00030000 -> 2;
      case 0x00050000 -> 3;
      case 0x7ff00000 -> 5;
      case 0x7ffc0000 -> 6;
      case 0x7fff0000 -> 7;
      default -> throw new AssertionError("unexpected action value " + Integer.toHexString(value));
    };
  }

  static int value(String action, Integer errnoRet) {
    int data = errnoRet == null ? 1 : errnoRet;
    return switch (action) {
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> 0;
      case "SCMP_ACT_KILL_PROCESS" -> 0x80000000;
      case "SCMP_ACT_TRAP" -> 0x00030000;
      case "SCMP_ACT_ERRNO" -> 0x00050000 | data;
      case "SCMP_ACT_TRACE" -> 0x7ff00000 | data;
      case "SCMP_ACT_LOG" -> 0x7ffc0000;
      case "SCMP_ACT_ALLOW" -> 0x7fff0000;
      default -> throw new AssertionError(action);
    };
  }

  static boolean holds(Spec.SyscallArg arg, long argValue) {
    BigInteger a = new BigInteger(Long.toUnsignedString(argValue));
    BigInteger v = arg.value() == null ? BigInteger.ZERO : arg.value();
    BigInteger v2 = arg.valueTwo() == null ? BigInteger.ZERO : arg.valueTwo();
    int c = a.compareTo(v);
    return switch (arg.op()) {
      case "SCMP_CMP_NE" -> c != 0;
      case "SCMP_CMP_LT" -> c < 0;
      case "SCMP_CMP_LE" -> c <= 0;
      case "SCMP_CMP_EQ" -> c == 0;
      case "SCMP_CMP_GE" -> c >= 0;
      case "SCMP_CMP_GT" -> c > 0;
      case "SCMP_CMP_MASKED_EQ" -> a.and(v).equals(v2);
      default -> throw new AssertionError(arg.op());
    };
  }
}
