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
        boolean all = true;
        if (rule.args() != null) {
          for (Spec.SyscallArg arg : rule.args()) all &= holds(arg, d.args()[arg.index()]);
        }
        if (all) return value(rule.action(), rule.errnoRet());
      }
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
