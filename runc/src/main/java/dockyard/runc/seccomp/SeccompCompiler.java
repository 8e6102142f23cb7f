package dockyard.runc.seccomp;

import dockyard.runc.spec.Spec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles an OCI {@code linux.seccomp} section to a classic BPF seccomp filter for x86_64.
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li>A syscall's rules are tried in the order they appear in {@code syscalls}; the first whose
 *       argument conditions all hold (AND) decides. A syscall no rule matches gets {@code
 *       defaultAction}. Names unknown on x86_64 are skipped with a warning, as runc does.
 *   <li>Argument conditions compare {@code seccomp_data.args[index]} as an unsigned 64-bit value:
 *       the high 32-bit words first, then the low ones. {@code SCMP_CMP_MASKED_EQ} is {@code
 *       (arg & value) == valueTwo}.
 *   <li>{@code errnoRet} (and {@code defaultErrnoRet}) is the errno of {@code SCMP_ACT_ERRNO} and
 *       the message of {@code SCMP_ACT_TRACE}, default {@code EPERM} (1); on any other action it is
 *       an error, as the runtime spec requires. {@code SCMP_ACT_NOTIFY} returns {@code
 *       SECCOMP_RET_USER_NOTIF}: the helper installs such a filter with a listener and passes it to
 *       the agent at {@code listenerPath}. As in runc it may not be the default action nor apply
 *       to {@code write} (the listener is handed over with a write).
 * </ul>
 *
 * <h2>Architectures</h2>
 *
 * The filter first loads {@code seccomp_data.arch}. Only the native x86_64 ABI has a syscall
 * table, so only its system calls are matched against the rules; x86_64 is always included, listed
 * or not.
 *
 * <ul>
 *   <li>An architecture that is not listed (an i386 syscall from {@code int 0x80} when {@code
 *       SCMP_ARCH_X86} is absent, anything else) gets {@code SECCOMP_RET_KILL_PROCESS}.
 *   <li>x32 system calls arrive as AUDIT_ARCH_X86_64 with bit 0x40000000 set in {@code nr}; they
 *       are treated as a separate architecture, {@code SCMP_ARCH_X32}. {@code nr == -1} (a tracer
 *       skipping a syscall) is not x32 and goes through the x86_64 rules, which never match it.
 *   <li>A listed i386 or x32 ABI cannot have the rules translated (no table for them), so it fails
 *       closed: every system call gets the most restrictive of {@code defaultAction} and all rule
 *       actions, by the kernel's precedence (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, TRACE, LOG,
 *       ALLOW; on a tie the default, then the earliest rule). For an allow-list profile such as
 *       Docker's (default ERRNO, rules ALLOW or ERRNO) that is the {@code defaultAction}; for a
 *       deny-list profile (default ALLOW) it is the deny action, so a 32-bit syscall cannot slip
 *       past a rule written for its 64-bit twin.
 *   <li>Other known {@code SCMP_ARCH_*} names are ignored with a warning (an x86_64 kernel never
 *       runs their system calls); unknown names are an error.
 * </ul>
 *
 * <h2>Code shape</h2>
 *
 * {@code ld arch; jeq X86_64; [jeq I386 → ret foreign]; ret KILL_PROCESS; ld nr; [x32 check];}
 * then a linear chain: syscalls whose decision is one unconditional action are grouped by action,
 * up to 256 {@code jeq nr} a group sharing one {@code ret}; a syscall with conditions gets {@code
 * jeq nr} followed by its rule block, which the jump's false branch skips; last, {@code ret
 * defaultAction}. Jumps too long for 8 bits go through {@code BPF_JA} trampolines ({@link
 * BpfAssembler}). Programs over {@value Bpf#MAX_INSNS} instructions are an error.
 */
public final class SeccompCompiler {

  public static final int EPERM = 1;
  static final int ENOSYS = 38;

  private static final int SHARED_RET_GROUP = BpfAssembler.MAX_SHORT + 1;

  /** SCMP_ARCH_* names for other architectures: valid in a spec, irrelevant on an x86_64 kernel. */
  private static final Set<String> OTHER_ARCHES = Set.of(
      "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
      "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
      "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

  private SeccompCompiler() {}

  /** A filter return value: an action and its 16-bit data. */
  record Verdict(SeccompAction action, int data) {
    int value() { return action.ret(data); }
  }

  /** The argument comparison operators of the runtime spec. */
  enum Op {
    NE, LT, LE, EQ, GE, GT, MASKED_EQ;

    static Op fromOci(String name, String where) {
      if (name != null && name.startsWith("SCMP_CMP_")) {
        try {
          return Op.valueOf(name.substring("SCMP_CMP_".length()));
        } catch (IllegalArgumentException e) {
          // fall through
        }
      }
      throw new SeccompException(where + ": unknown seccomp operator \"" + name + "\"");
    }
  }

  /** One argument condition; value and valueTwo are unsigned 64-bit values in a long's bits. */
  record Condition(int index, Op op, long value, long valueTwo) {}

  record Rule(List<Condition> conditions, Verdict verdict) {}

  private static final BigInteger U64_LIMIT = BigInteger.ONE.shiftLeft(64);

  /** Compiles for x86_64 with the bundled syscall table. */
  public static SeccompProgram compile(Spec.Seccomp seccomp) { return compile(seccomp, SyscallTable.x86_64()); }

  /**
   * Compiles with the given native (x86_64) syscall table.
   *
   * @throws SeccompException for an invalid or unsupported profile, or a program over 4096 instructions
   */
  public static SeccompProgram compile(Spec.Seccomp seccomp, SyscallTable table) {
    if (seccomp == null) throw new SeccompException("no seccomp section");
    List<String> warnings = new ArrayList<>();

    Verdict defaultVerdict = verdict(seccomp.defaultAction(), seccomp.defaultErrnoRet(), "defaultAction", "defaultErrnoRet");
    if (defaultVerdict.action() == SeccompAction.NOTIFY) throw new SeccompException("SCMP_ACT_NOTIFY cannot be used as default action");
    boolean notifies = false;
    int flags = flags(seccomp.flags());

    boolean i386 = false;
    boolean x32 = false;
    if (seccomp.architectures() != null) {
      for (String arch : seccomp.architectures()) {
        switch (arch == null ? "" : arch) {
          case "SCMP_ARCH_X86_64" -> {}
          case "SCMP_ARCH_X86" -> i386 = true;
          case "SCMP_ARCH_X32" -> x32 = true;
          default -> {
            if (!OTHER_ARCHES.contains(arch)) throw new SeccompException("unknown seccomp architecture \"" + arch + "\"");
            warnings.add("seccomp architecture " + arch + " ignored: an x86_64 kernel never runs its system calls");
          }
        }
      }
    }

    // Rules per syscall number, in spec order; foreign ABIs fail closed to the most restrictive verdict.
    Map<Integer, List<Rule>> rulesByNr = new TreeMap<>();
    Set<String> unknownNames = new LinkedHashSet<>();
    Verdict foreign = defaultVerdict;
    List<Spec.Syscall> syscalls = seccomp.syscalls() == null ? List.of() : seccomp.syscalls();
    for (int i = 0; i < syscalls.size(); i++) {
      Spec.Syscall sc = syscalls.get(i);
      String where = "seccomp syscalls[" + i + "]";
      if (sc == null) throw new SeccompException(where + " is null");
      if (sc.names() == null || sc.names().isEmpty()) throw new SeccompException(where + ": names is empty");
      where += " (" + String.join(", ", sc.names().subList(0, Math.min(3, sc.names().size()))) + (sc.names().size() > 3 ? ", …" : "") + ")";
      Verdict v = verdict(sc.action(), sc.errnoRet(), where + " action", where + " errnoRet");
      if (v.action() == SeccompAction.NOTIFY) {
        if (sc.names().contains("write")) throw new SeccompException("SCMP_ACT_NOTIFY cannot be used for the write syscall");
        notifies = true;
      }
      List<Condition> conditions = new ArrayList<>();
      if (sc.args() != null) {
        for (int j = 0; j < sc.args().size(); j++) conditions.add(condition(sc.args().get(j), where + " args[" + j + "]"));
      }
      if (v.action().ordinal() < foreign.action().ordinal()) foreign = v;
      List<Rule> rules = new ArrayList<>();
      if (conditions.stream().map(Condition::index).distinct().count() < conditions.size()) {
        // As runc does (libseccomp cannot AND two conditions on one argument): when an index
        // repeats, every condition becomes a rule of its own, so the conditions are ORed.
        for (Condition c : conditions) rules.add(new Rule(List.of(c), v));
      } else {
        rules.add(new Rule(List.copyOf(conditions), v));
      }
      SyscallTable.Resolution res = table.resolve(sc.names());
      unknownNames.addAll(res.unknown());
      for (int nr : new LinkedHashSet<>(res.numbers().values())) rulesByNr.computeIfAbsent(nr, k -> new ArrayList<>()).addAll(rules);
    }
    if (!unknownNames.isEmpty()) {
      // Profiles list other architectures' names (chown32, fstat64…) on purpose: one line, not dozens.
      List<String> sample = new ArrayList<>(unknownNames).subList(0, Math.min(5, unknownNames.size()));
      warnings.add("seccomp: " + unknownNames.size() + " syscall name(s) unknown on " + table.arch() + " ignored (" + String.join(", ", sample) + (unknownNames.size() > 5 ? ", …" : "") + ")");
    }

    // First match wins: rules after an unconditional one are unreachable, and trailing rules that
    // return the default change nothing.
    TreeMap<Integer, List<Rule>> effective = new TreeMap<>();
    for (var e : rulesByNr.entrySet()) {
      List<Rule> rules = new ArrayList<>();
      for (Rule r : e.getValue()) {
        rules.add(r);
        if (r.conditions().isEmpty()) break;
      }
      while (!rules.isEmpty() && rules.getLast().verdict().value() == defaultVerdict.value()) rules.removeLast();
      if (!rules.isEmpty()) effective.put(e.getKey(), rules);
    }

    Verdict killProcess = new Verdict(SeccompAction.KILL_PROCESS, 0);
    BpfAssembler asm = new BpfAssembler();

    // Architecture.
    asm.loadWord(Bpf.OFF_ARCH);
    BpfAssembler.Label nativeArch = asm.label();
    asm.jump(Bpf.JEQ, Bpf.AUDIT_ARCH_X86_64, nativeArch, null);
    if (i386 && foreign.value() != killProcess.value()) {
      BpfAssembler.Label notI386 = asm.label();
      asm.jump(Bpf.JEQ, Bpf.AUDIT_ARCH_I386, null, notI386);
      asm.ret(foreign.value());
      asm.bind(notI386);
    }
    asm.ret(killProcess.value());
    asm.bind(nativeArch);

    // x32 ABI: nr with the x32 bit. Skipped when its verdict is the default anyway, since no x86_64
    // syscall number has that bit and the chain below then ends in the default.
    asm.loadWord(Bpf.OFF_NR);
    Verdict x32Verdict = x32 ? foreign : killProcess;
    boolean numbersBelowX32 = effective.isEmpty() || effective.lastKey() < Bpf.X32_SYSCALL_BIT;
    if (x32Verdict.value() != defaultVerdict.value() || !numbersBelowX32) {
      BpfAssembler.Label notX32 = asm.label();
      asm.jump(Bpf.JGE, Bpf.X32_SYSCALL_BIT, null, notX32);
      asm.jump(Bpf.JEQ, -1, notX32, null);
      asm.ret(x32Verdict.value());
      asm.bind(notX32);
    }

    // runc's -ENOSYS stub: a syscall newer than the newest this table knows is answered ENOSYS
    // instead of an errno or kill default, so glibc falls back (e.g. clone3 to clone) as on an
    // older kernel. Not needed when the default allows or only logs.
    // x32 numbers (and -1, a tracer's "skip") are not "newer" and keep their verdicts.
    if (defaultVerdict.action() != SeccompAction.ALLOW && defaultVerdict.action() != SeccompAction.LOG) {
      BpfAssembler.Label known = asm.label();
      asm.jump(Bpf.JGT, table.maxNumber(), null, known);
      asm.jump(Bpf.JGE, Bpf.X32_SYSCALL_BIT, known, null);
      asm.ret(new Verdict(SeccompAction.ERRNO, ENOSYS).value());
      asm.bind(known);
    }

    // Syscalls decided by one unconditional action, grouped by action, biggest group first.
    Map<Integer, List<Integer>> simple = new LinkedHashMap<>();
    List<Map.Entry<Integer, List<Rule>>> complex = new ArrayList<>();
    for (var e : effective.entrySet()) {
      List<Rule> rules = e.getValue();
      if (rules.size() == 1 && rules.getFirst().conditions().isEmpty()) {
        simple.computeIfAbsent(rules.getFirst().verdict().value(), k -> new ArrayList<>()).add(e.getKey());
      } else {
        complex.add(e);
      }
    }
    List<Map.Entry<Integer, List<Integer>>> groups = new ArrayList<>(simple.entrySet());
    groups.sort((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()));
    for (var group : groups) {
      List<Integer> nrs = group.getValue();
      for (int from = 0; from < nrs.size(); from += SHARED_RET_GROUP) {
        List<Integer> chunk = nrs.subList(from, Math.min(nrs.size(), from + SHARED_RET_GROUP));
        BpfAssembler.Label ret = asm.label();
        BpfAssembler.Label after = asm.label();
        for (int j = 0; j < chunk.size(); j++) {
          asm.jump(Bpf.JEQ, chunk.get(j), ret, j == chunk.size() - 1 ? after : null);
        }
        asm.bind(ret);
        asm.ret(group.getKey());
        asm.bind(after);
      }
    }

    // Syscalls with conditions: jeq nr, then the rule block, which ends in a ret on every path.
    for (var e : complex) {
      BpfAssembler.Label skip = asm.label();
      asm.jump(Bpf.JEQ, e.getKey(), null, skip);
      for (Rule rule : e.getValue()) {
        BpfAssembler.Label nextRule = asm.label();
        for (Condition c : rule.conditions()) emitCondition(asm, c, nextRule);
        asm.ret(rule.verdict().value());
        asm.bind(nextRule);
      }
      asm.ret(defaultVerdict.value());
      asm.bind(skip);
    }
    asm.ret(defaultVerdict.value());

    if (asm.sizeEstimate() > Bpf.MAX_INSNS) throw tooLong(asm.sizeEstimate());
    List<BpfInstruction> code = asm.assemble();
    if (code.size() > Bpf.MAX_INSNS) throw tooLong(code.size());
    return new SeccompProgram(code, flags, warnings, notifies);
  }

  private static SeccompException tooLong(int n) {
    return new SeccompException("seccomp profile compiles to " + n + " BPF instructions, more than the kernel's limit of "
        + Bpf.MAX_INSNS + " (BPF_MAXINSNS); use fewer argument rules");
  }

  /** Emits code that falls through when {@code c} holds and jumps to {@code fail} otherwise. A is clobbered. */
  private static void emitCondition(BpfAssembler asm, Condition c, BpfAssembler.Label fail) {
    int hi = Bpf.argHigh(c.index());
    int lo = Bpf.argLow(c.index());
    int vh = (int) (c.value() >>> 32);
    int vl = (int) c.value();
    BpfAssembler.Label pass = asm.label();
    switch (c.op()) {
      case EQ -> {
        asm.loadWord(hi);
        asm.jump(Bpf.JEQ, vh, null, fail);
        asm.loadWord(lo);
        asm.jump(Bpf.JEQ, vl, null, fail);
      }
      case NE -> {
        asm.loadWord(hi);
        asm.jump(Bpf.JEQ, vh, null, pass);
        asm.loadWord(lo);
        asm.jump(Bpf.JEQ, vl, fail, null);
      }
      case GT, GE -> { // hi > vh, or hi == vh and lo > vl (>= vl)
        asm.loadWord(hi);
        asm.jump(Bpf.JGT, vh, pass, null);
        asm.jump(Bpf.JEQ, vh, null, fail);
        asm.loadWord(lo);
        asm.jump(c.op() == Op.GT ? Bpf.JGT : Bpf.JGE, vl, null, fail);
      }
      case LT, LE -> { // not (arg >= value), not (arg > value)
        asm.loadWord(hi);
        asm.jump(Bpf.JGT, vh, fail, null);
        asm.jump(Bpf.JEQ, vh, null, pass);
        asm.loadWord(lo);
        asm.jump(c.op() == Op.LT ? Bpf.JGE : Bpf.JGT, vl, fail, null);
      }
      case MASKED_EQ -> { // (arg & value) == valueTwo, word by word
        int eh = (int) (c.valueTwo() >>> 32);
        int el = (int) c.valueTwo();
        emitMaskedWord(asm, hi, vh, eh, fail);
        emitMaskedWord(asm, lo, vl, el, fail);
      }
    }
    asm.bind(pass);
  }

  private static void emitMaskedWord(BpfAssembler asm, int offset, int mask, int expected, BpfAssembler.Label fail) {
    if (mask == 0 && expected == 0) return; // always holds
    asm.loadWord(offset);
    if (mask != -1) asm.stmt(Bpf.ALU | Bpf.AND | Bpf.K, mask);
    asm.jump(Bpf.JEQ, expected, null, fail);
  }

  private static Verdict verdict(String actionName, Integer errnoRet, String where, String errnoWhere) {
    SeccompAction action;
    try {
      action = SeccompAction.fromOci(actionName);
    } catch (SeccompException e) {
      throw new SeccompException(where + ": " + e.getMessage());
    }
    if (errnoRet != null) {
      if (!action.takesData()) {
        throw new SeccompException(errnoWhere + " is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + actionName);
      }
      if (errnoRet < 0 || errnoRet > SeccompAction.DATA_MASK) throw new SeccompException(errnoWhere + " out of range 0..65535: " + errnoRet);
    }
    int data = action.takesData() ? (errnoRet == null ? EPERM : errnoRet) : 0;
    return new Verdict(action, data);
  }

  private static Condition condition(Spec.SyscallArg arg, String where) {
    if (arg == null) throw new SeccompException(where + " is null");
    if (arg.index() < 0 || arg.index() > 5) throw new SeccompException(where + ": index " + arg.index() + " out of range 0..5");
    Op op = Op.fromOci(arg.op(), where);
    return new Condition(arg.index(), op, u64(arg.value(), where + " value"), u64(arg.valueTwo(), where + " valueTwo"));
  }

  private static long u64(BigInteger v, String where) {
    if (v == null) return 0; // omitted: 0, as Go's uint64 zero value
    if (v.signum() < 0 || v.compareTo(U64_LIMIT) >= 0) throw new SeccompException(where + " " + v + " is not an unsigned 64-bit value");
    return v.longValue();
  }

  private static int flags(List<String> names) {
    int flags = 0;
    if (names == null) return 0;
    for (String f : names) {
      flags |= switch (f == null ? "" : f) {
        case "SECCOMP_FILTER_FLAG_TSYNC" -> SeccompProgram.FLAG_TSYNC;
        case "SECCOMP_FILTER_FLAG_LOG" -> SeccompProgram.FLAG_LOG;
        case "SECCOMP_FILTER_FLAG_SPEC_ALLOW" -> SeccompProgram.FLAG_SPEC_ALLOW;
        case "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" ->
            throw new SeccompException("seccomp flag " + f + " is not supported (kernel 5.19's; runc 1.1 does not know it either)");
        default -> throw new SeccompException("unknown or unsupported seccomp flag \"" + f + "\"");
      };
    }
    return flags;
  }
}
