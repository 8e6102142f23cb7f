package dockyard.runc.seccomp;

import static dockyard.runc.seccomp.Profiles.arg;
import static dockyard.runc.seccomp.Profiles.masked;
import static dockyard.runc.seccomp.Profiles.profile;
import static dockyard.runc.seccomp.Profiles.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.runc.seccomp.BpfInterpreter.SeccompData;
import dockyard.runc.spec.Spec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeccompCompilerTest {

  static final int ALLOW = 0x7fff0000;
  static final int KILL_PROCESS = 0x80000000;
  static final int KILL_THREAD = 0;
  static final int TRAP = 0x00030000;
  static final int LOG = 0x7ffc0000;
  static final int EPERM = 0x00050001;
  static final int AUDIT_ARCH_I386 = 0x40000003;
  static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;

  static final int READ = 0, OPEN = 2, IOCTL = 16, MKDIR = 83, RMDIR = 84, REBOOT = 169, MKDIRAT = 258;

  static SeccompProgram compile(Spec.Seccomp spec) {
    SeccompProgram p = SeccompCompiler.compile(spec);
    BpfInterpreter.verify(p.instructions());
    return p;
  }

  static int run(SeccompProgram p, int nr, long... args) { return BpfInterpreter.run(p.instructions(), SeccompData.x86_64(nr, args)); }

  static int runArch(SeccompProgram p, int arch, int nr) {
    return BpfInterpreter.run(p.instructions(), new SeccompData(nr, arch, 0, new long[6]));
  }

  @Test
  void defaultAllowWithAnErrnoRuleForMkdir() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir")));
    assertEquals(0x00050001, run(p, MKDIR));
    assertEquals(0x7fff0000, run(p, READ));
    assertEquals(0x7fff0000, run(p, MKDIRAT));
    assertEquals(0x7fff0000, run(p, RMDIR));
    assertEquals(List.of(), p.warnings());
    assertEquals(0, p.flags());
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
      "SCMP_ACT_KILL, null, 0x00000000",
      "SCMP_ACT_KILL_THREAD, null, 0x00000000",
      "SCMP_ACT_KILL_PROCESS, null, 0x80000000",
      "SCMP_ACT_TRAP, null, 0x00030000",
      "SCMP_ACT_ERRNO, null, 0x00050001",
      "SCMP_ACT_ERRNO, 13, 0x0005000d",
      "SCMP_ACT_ERRNO, 0, 0x00050000",
      "SCMP_ACT_ERRNO, 65535, 0x0005ffff",
      "SCMP_ACT_TRACE, null, 0x7ff00001",
      "SCMP_ACT_TRACE, 42, 0x7ff0002a",
      "SCMP_ACT_LOG, null, 0x7ffc0000",
      "SCMP_ACT_ALLOW, null, 0x7fff0000"})
  void everyActionAsRuleAndAsDefault(String action, Integer errno, String expectedHex) {
    int expected = Integer.parseUnsignedInt(expectedHex.substring(2), 16);
    String other = action.equals("SCMP_ACT_ALLOW") ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW";
    int otherValue = other.equals("SCMP_ACT_ALLOW") ? ALLOW : LOG;

    SeccompProgram asRule = compile(profile(other, rule(action, errno, List.of("mkdir"))));
    assertEquals(expected, run(asRule, MKDIR));
    assertEquals(otherValue, run(asRule, READ));

    SeccompProgram asDefault = compile(new Spec.Seccomp(action, errno, null, null, null, List.of(rule(other, "read"))));
    assertEquals(expected, run(asDefault, MKDIR));
    assertEquals(otherValue, run(asDefault, READ));
  }

  @Test
  void defaultErrnoRetAppliesToTheDefaultOnly() {
    SeccompProgram p = compile(new Spec.Seccomp("SCMP_ACT_ERRNO", 38, null, null, null,
        List.of(rule("SCMP_ACT_ALLOW", "read"), rule("SCMP_ACT_ERRNO", "mkdir"))));
    assertEquals(0x00050026, run(p, REBOOT));
    assertEquals(ALLOW, run(p, READ));
    assertEquals(EPERM, run(p, MKDIR));
  }

  // ---- argument comparisons -------------------------------------------------------------

  static final long[] INTERESTING = {
      0L, 1L, 5L, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL, 0x1_0000_0000L, 0x1_0000_0004L, 0x1_0000_0005L,
      0x1_0000_0006L, 0x1_ffff_ffffL, 0x2_0000_0005L, 0x7fff_ffff_ffff_ffffL, 0x8000_0000_0000_0000L,
      0xffff_ffff_0000_0000L, 0xffff_ffff_ffff_fffeL, -1L, 0x0000_0005_0000_0001L, 0x0000_0004_ffff_ffffL};

  @Test
  void everyComparisonOperatorOn64BitUnsignedValues() {
    String[] ops = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"};
    long[] values = {0L, 5L, 0xffffffffL, 0x1_0000_0005L, 0x0000_0005_0000_0001L, 0x8000_0000_0000_0000L, -1L};
    int checked = 0;
    for (String op : ops) {
      for (long value : values) {
        for (int index : new int[] {0, 3, 5}) {
          SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", arg(index, op, value))));
          for (long a : INTERESTING) {
            int c = Long.compareUnsigned(a, value);
            boolean holds = switch (op) {
              case "SCMP_CMP_NE" -> c != 0;
              case "SCMP_CMP_LT" -> c < 0;
              case "SCMP_CMP_LE" -> c <= 0;
              case "SCMP_CMP_EQ" -> c == 0;
              case "SCMP_CMP_GE" -> c >= 0;
              default -> c > 0;
            };
            long[] args = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666};
            args[index] = a;
            assertEquals(holds ? EPERM : ALLOW, run(p, MKDIR, args),
                () -> op + " " + Long.toUnsignedString(value) + " on args[" + index + "]=" + Long.toUnsignedString(a));
            checked++;
          }
        }
      }
    }
    assertEquals(6 * 7 * 3 * INTERESTING.length, checked);
  }

  @Test
  void highWordDecidesBeforeLowWord() {
    // arg > 0x1_00000000 with a low word of 0: 0x0_ffffffff (bigger low word, smaller high word) is not greater
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", arg(1, "SCMP_CMP_GT", 0x1_0000_0000L))));
    assertEquals(ALLOW, run(p, MKDIR, 0, 0xffff_ffffL));
    assertEquals(ALLOW, run(p, MKDIR, 0, 0x1_0000_0000L));
    assertEquals(EPERM, run(p, MKDIR, 0, 0x1_0000_0001L));
    assertEquals(EPERM, run(p, MKDIR, 0, 0x2_0000_0000L));
    // equality must look at both words
    SeccompProgram eq = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", arg(0, "SCMP_CMP_EQ", 7))));
    assertEquals(EPERM, run(eq, MKDIR, 7));
    assertEquals(ALLOW, run(eq, MKDIR, 0x1_0000_0007L));
    assertEquals(ALLOW, run(eq, MKDIR, 0xffff_ffff_0000_0007L));
  }

  @Test
  void maskedEqualityComparesOnlyTheMaskedBits() {
    long mask = 0x0000_ff00_0000_00ffL;
    long expected = 0x0000_1200_0000_0034L;
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", masked(2, mask, expected))));
    assertEquals(EPERM, run(p, MKDIR, 0, 0, 0x0000_1200_0000_0034L));
    assertEquals(EPERM, run(p, MKDIR, 0, 0, 0xabcd_12ef_ffff_ff34L));
    assertEquals(ALLOW, run(p, MKDIR, 0, 0, 0x0000_1300_0000_0034L));
    assertEquals(ALLOW, run(p, MKDIR, 0, 0, 0x0000_1200_0000_0035L));
    assertEquals(ALLOW, run(p, MKDIR, 0, 0, 0));

    // Docker's clone rule: no namespace flags (mask 0x7E020000) → allowed; any of them → default
    SeccompProgram clone = compile(profile("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "clone", masked(0, 0x7E020000L, 0))));
    int cloneNr = 56;
    assertEquals(ALLOW, run(clone, cloneNr, 0x01200011L)); // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
    assertEquals(EPERM, run(clone, cloneNr, 0x10000000L | 0x11)); // CLONE_NEWUSER
    assertEquals(ALLOW, run(clone, cloneNr, 0xffff_ffff_0000_0011L)); // high bits outside the mask

    // bits expected outside the mask can never match
    SeccompProgram never = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", masked(0, 0xff, 0x100))));
    for (long a : INTERESTING) assertEquals(ALLOW, run(never, MKDIR, a));
    // a zero mask with a zero expectation always matches
    SeccompProgram always = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", masked(0, 0, 0))));
    for (long a : INTERESTING) assertEquals(EPERM, run(always, MKDIR, a));
  }

  @Test
  void argumentsOnDistinctIndexesAreAndedAndARepeatedIndexIsOred() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW",
        rule("SCMP_ACT_ERRNO", "mkdir", arg(0, "SCMP_CMP_EQ", 1), arg(2, "SCMP_CMP_GT", 10))));
    assertEquals(EPERM, run(p, MKDIR, 1, 99, 11));
    assertEquals(ALLOW, run(p, MKDIR, 1, 99, 10));
    assertEquals(ALLOW, run(p, MKDIR, 2, 99, 15));
    // runc's rule (runc's own seccomp_syscall_test1): conditions on one index are separate rules
    SeccompProgram or = compile(profile("SCMP_ACT_ALLOW",
        rule("SCMP_ACT_ERRNO", "mkdir", arg(0, "SCMP_CMP_EQ", 1337), arg(0, "SCMP_CMP_EQ", 2020), arg(2, "SCMP_CMP_EQ", 7))));
    assertEquals(EPERM, run(or, MKDIR, 1337));
    assertEquals(EPERM, run(or, MKDIR, 2020));
    assertEquals(EPERM, run(or, MKDIR, 0, 0, 7));
    assertEquals(ALLOW, run(or, MKDIR, 0, 0, 0));
    assertEquals(ALLOW, run(p, MKDIR, 0x1_0000_0001L, 99, 15));
  }

  @Test
  void firstMatchingRuleWins() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW",
        rule("SCMP_ACT_ERRNO", 5, List.of("ioctl"), arg(1, "SCMP_CMP_EQ", 0x5401)),
        rule("SCMP_ACT_ALLOW", null, List.of("ioctl"), arg(1, "SCMP_CMP_EQ", 0x5402)),
        rule("SCMP_ACT_TRAP", null, List.of("open", "ioctl")),
        rule("SCMP_ACT_KILL_PROCESS", null, List.of("ioctl", "mkdir")),
        rule("SCMP_ACT_ERRNO", 7, List.of("ioctl"), arg(1, "SCMP_CMP_EQ", 0x5403))));
    assertEquals(0x00050005, run(p, IOCTL, 3, 0x5401));
    assertEquals(ALLOW, run(p, IOCTL, 3, 0x5402));
    assertEquals(TRAP, run(p, IOCTL, 3, 0x5403));
    assertEquals(TRAP, run(p, IOCTL, 3, 0));
    assertEquals(TRAP, run(p, OPEN));
    assertEquals(KILL_PROCESS, run(p, MKDIR));
    assertEquals(ALLOW, run(p, READ));
  }

  @Test
  void aSyscallWhoseRulesDoNotMatchGetsTheDefault() {
    SeccompProgram p = compile(profile("SCMP_ACT_ERRNO",
        rule("SCMP_ACT_ALLOW", "personality", arg(0, "SCMP_CMP_EQ", 0)),
        rule("SCMP_ACT_ALLOW", "personality", arg(0, "SCMP_CMP_EQ", 8)),
        rule("SCMP_ACT_ALLOW", "personality", arg(0, "SCMP_CMP_EQ", 0xffffffffL))));
    int personality = 135;
    assertEquals(ALLOW, run(p, personality, 0));
    assertEquals(ALLOW, run(p, personality, 8));
    assertEquals(ALLOW, run(p, personality, 0xffffffffL));
    assertEquals(EPERM, run(p, personality, 1));
    assertEquals(EPERM, run(p, personality, 0x1_ffff_ffffL));
  }

  // ---- architectures -----------------------------------------------------------------------

  @Test
  void anotherArchitectureIsKilled() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64"), rule("SCMP_ACT_ERRNO", "mkdir")));
    assertEquals(KILL_PROCESS, runArch(p, AUDIT_ARCH_AARCH64, READ));
    assertEquals(KILL_PROCESS, runArch(p, AUDIT_ARCH_I386, 3));
    assertEquals(KILL_PROCESS, runArch(p, 0, READ));
    assertEquals(ALLOW, runArch(p, 0xC000003E, READ));
    SeccompProgram noArchList = compile(profile("SCMP_ACT_ALLOW"));
    assertEquals(KILL_PROCESS, runArch(noArchList, AUDIT_ARCH_I386, 3));
  }

  @Test
  void aListedI386FailsClosed() {
    // allow-list profile: i386 gets the default
    SeccompProgram allowList = compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
        rule("SCMP_ACT_ALLOW", "read"), rule("SCMP_ACT_ERRNO", 1, List.of("mkdir"))));
    assertEquals(EPERM, runArch(allowList, AUDIT_ARCH_I386, 3));
    assertEquals(ALLOW, run(allowList, READ));
    // deny-list profile: i386 gets the deny action, not the permissive default
    SeccompProgram denyList = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
        rule("SCMP_ACT_LOG", "open"), rule("SCMP_ACT_ERRNO", 38, List.of("mkdir")), rule("SCMP_ACT_ERRNO", 1, List.of("rmdir"))));
    assertEquals(0x00050026, runArch(denyList, AUDIT_ARCH_I386, 39));
    assertEquals(ALLOW, run(denyList, READ));
    assertEquals(KILL_PROCESS, runArch(denyList, AUDIT_ARCH_AARCH64, READ));
  }

  @Test
  void x32SyscallsAreASeparateArchitecture() {
    int x32Bit = 0x40000000;
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64"), rule("SCMP_ACT_ERRNO", "mkdir")));
    assertEquals(KILL_PROCESS, run(p, x32Bit | MKDIR));
    assertEquals(KILL_PROCESS, run(p, x32Bit | READ));
    assertEquals(KILL_PROCESS, run(p, 0x7fffffff));
    assertEquals(KILL_PROCESS, run(p, 0x80000000));
    assertEquals(ALLOW, run(p, -1)); // a tracer's skipped syscall is not x32
    assertEquals(ALLOW, run(p, 0x3fffffff));

    SeccompProgram listed = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"),
        rule("SCMP_ACT_ERRNO", "mkdir")));
    assertEquals(EPERM, run(listed, x32Bit | READ));
    assertEquals(EPERM, run(listed, x32Bit | MKDIR));
    assertEquals(ALLOW, run(listed, READ));
    assertEquals(ALLOW, run(listed, -1));

    // an allow-list profile listing x32: x32 gets the default, so no x32 check is needed at all
    SeccompProgram allowList = compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"),
        rule("SCMP_ACT_ALLOW", "read")));
    assertEquals(EPERM, run(allowList, x32Bit | READ));
    assertEquals(ALLOW, run(allowList, READ));
    // the x32 bit appears once, in the ENOSYS stub's bound, not as an x32 check of its own
    assertEquals(1, allowList.instructions().stream().filter(i -> i.k() == x32Bit).count(), allowList.disassemble());
  }

  @Test
  void otherKnownArchitecturesAreIgnoredWithAWarning() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM")));
    assertEquals(2, p.warnings().size(), p.warnings().toString());
    assertTrue(p.warnings().getFirst().contains("SCMP_ARCH_AARCH64"));
    assertEquals(KILL_PROCESS, runArch(p, AUDIT_ARCH_AARCH64, READ));
  }

  // ---- names, flags, errors ------------------------------------------------------------------

  @Test
  void unknownSyscallNamesAreSkippedWithAWarning() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW",
        rule("SCMP_ACT_ERRNO", null, List.of("chown32", "mkdir", "no_such_call")),
        rule("SCMP_ACT_ERRNO", null, List.of("chown32"))));
    assertEquals(EPERM, run(p, MKDIR));
    assertEquals(ALLOW, run(p, READ));
    assertEquals(List.of("seccomp: 2 syscall name(s) unknown on x86_64 ignored (chown32, no_such_call)"), p.warnings());
  }

  @Test
  void flagsBecomeABitmask() {
    Spec.Seccomp s = new Spec.Seccomp("SCMP_ACT_ALLOW", null, null,
        List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"), null, null);
    assertEquals(7, compile(s).flags());
    Spec.Seccomp log = new Spec.Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_LOG"), null, null);
    assertEquals(SeccompProgram.FLAG_LOG, compile(log).flags());
  }

  static void assertRejected(Spec.Seccomp spec, String messagePart) {
    SeccompException e = assertThrows(SeccompException.class, () -> SeccompCompiler.compile(spec));
    assertTrue(e.getMessage().contains(messagePart), () -> "message: " + e.getMessage());
  }

  @Test
  void invalidProfilesAreRejectedWithClearErrors() {
    assertRejected(profile("SCMP_ACT_NOTIFY"), "SCMP_ACT_NOTIFY cannot be used as default action");
    assertRejected(profile("SCMP_ACT_ALLOW", new Spec.Syscall(List.of("read", "write"), "SCMP_ACT_NOTIFY", null, null)),
        "SCMP_ACT_NOTIFY cannot be used for the write syscall");
    assertRejected(profile(null), "action is missing");
    assertRejected(profile("SCMP_ACT_PERMIT"), "unknown seccomp action \"SCMP_ACT_PERMIT\"");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ALLOW", 1, List.of("mkdir"))), "errnoRet is only valid");
    assertRejected(new Spec.Seccomp("SCMP_ACT_ALLOW", 1, null, null, null, null), "defaultErrnoRet is only valid");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", 65536, List.of("mkdir"))), "out of range");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", -1, List.of("mkdir"))), "out of range");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", arg(6, "SCMP_CMP_EQ", 0))), "index 6 out of range");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", arg(0, "SCMP_CMP_XX", 0))), "unknown seccomp operator");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir", new Spec.SyscallArg(0, BigInteger.ONE, null, null))),
        "unknown seccomp operator");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir",
        new Spec.SyscallArg(0, BigInteger.ONE.shiftLeft(64), null, "SCMP_CMP_EQ"))), "not an unsigned 64-bit value");
    assertRejected(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir",
        new Spec.SyscallArg(0, BigInteger.valueOf(-1), null, "SCMP_CMP_EQ"))), "not an unsigned 64-bit value");
    assertRejected(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_VAX")), "unknown seccomp architecture");
    assertRejected(profile("SCMP_ACT_ALLOW", new Spec.Syscall(List.of(), "SCMP_ACT_ERRNO", null, null)), "names is empty");
    assertRejected(new Spec.Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_BOGUS"), null, null), "seccomp flag");
    assertRejected(new Spec.Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), null, null),
        "is not supported");
    assertThrows(SeccompException.class, () -> SeccompCompiler.compile(null));
  }

  @Test
  void notifyRulesReturnUserNotifAndMarkTheProgram() {
    SeccompProgram p = compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_NOTIFY", "mkdir")));
    assertTrue(p.notifies());
    assertEquals(0x7fc00000, run(p, MKDIR), p::disassemble); // SECCOMP_RET_USER_NOTIF
    assertEquals(false, compile(profile("SCMP_ACT_ALLOW", rule("SCMP_ACT_ERRNO", "mkdir"))).notifies());
  }

  @Test
  void aProgramOverTheKernelLimitIsAnError() {
    List<Spec.Syscall> rules = new ArrayList<>();
    for (int i = 0; i < 900; i++) rules.add(rule("SCMP_ACT_ERRNO", "ioctl", arg(1, "SCMP_CMP_EQ", i)));
    assertRejected(new Spec.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, rules), "more than the kernel's limit of 4096");
  }

  // ---- long programs ---------------------------------------------------------------------------

  @Test
  void longRuleBlocksAreJumpedOverWithBpfJa() {
    List<Spec.Syscall> rules = new ArrayList<>();
    rules.add(rule("SCMP_ACT_ERRNO", "read", arg(0, "SCMP_CMP_EQ", 99)));
    for (int i = 0; i < 150; i++) rules.add(rule("SCMP_ACT_ERRNO", 100 + i, List.of("ioctl"), arg(1, "SCMP_CMP_EQ", i)));
    rules.add(rule("SCMP_ACT_TRAP", "mkdir", arg(0, "SCMP_CMP_GT", 5)));
    rules.add(rule("SCMP_ACT_LOG", "rmdir"));
    SeccompProgram p = compile(new Spec.Seccomp("SCMP_ACT_ALLOW", null, null, null, null, rules));
    assertTrue(p.length() > 600, "length " + p.length());
    assertTrue(p.instructions().stream().anyMatch(i -> i.code() == 0x05), "expected a BPF_JA");
    for (int i = 0; i < 150; i++) assertEquals(0x00050000 | (100 + i), run(p, IOCTL, 3, i));
    assertEquals(ALLOW, run(p, IOCTL, 3, 150));
    assertEquals(TRAP, run(p, MKDIR, 6));
    assertEquals(ALLOW, run(p, MKDIR, 5));
    assertEquals(LOG, run(p, RMDIR));
    assertEquals(0x00050001, run(p, READ, 99));
    assertEquals(ALLOW, run(p, READ, 98));
    assertEquals(ALLOW, run(p, REBOOT));
    assertEquals(ALLOW, run(p, REBOOT, 6)); // the jump over ioctl's block lands exactly on mkdir's jeq
  }

  @Test
  void moreThan256SyscallsWithOneActionShareReturns() {
    List<String> all = new ArrayList<>(SyscallTable.x86_64().byName().keySet());
    all.remove("reboot");
    SeccompProgram p = compile(new Spec.Seccomp("SCMP_ACT_ERRNO", null, null, null, null,
        List.of(new Spec.Syscall(all, "SCMP_ACT_ALLOW", null, null))));
    for (String name : all) assertEquals(ALLOW, run(p, SyscallTable.x86_64().number(name).orElseThrow()), name);
    assertEquals(EPERM, run(p, REBOOT));
    // newer than the table: ENOSYS (runc's stub), so libc falls back to an older call
    assertEquals(0x00050000 | 38, run(p, 451));
    // arch check (4) + nr load and x32 check (4) + ENOSYS stub (3) + one jeq a syscall + a ret every 256 + final ret
    assertTrue(p.length() <= all.size() + 15, "length " + p.length());
  }
}
