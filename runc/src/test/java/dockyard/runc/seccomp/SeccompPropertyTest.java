package dockyard.runc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.runc.seccomp.BpfInterpreter.SeccompData;
import dockyard.runc.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random profiles, compiled and run by the BPF interpreter, answer exactly what {@link
 * SpecSemantics} computes from the spec for random seccomp_data.
 */
class SeccompPropertyTest {

  static final List<String> NAMES = List.of(
      "read", "write", "open", "close", "ioctl", "mkdir", "rmdir", "socket", "clone", "personality", "chown32", "not_a_syscall");
  static final List<String> FEW_NAMES = List.of("ioctl", "mkdir", "read");
  static final String[] ACTIONS = {
      "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
      "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};
  static final String[] OPS = {
      "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  static final String[] ARCHES = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"};
  static final long[] VALUES = {
      0L, 1L, 2L, 0xffL, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x1_0000_0000L, 0x1_0000_0001L, 0x1_ffff_ffffL,
      0xffff_ffff_0000_0000L, 0x8000_0000_0000_0000L, 0x7fff_ffff_ffff_ffffL, -1L, -2L};

  /** A profile generator driven by a seed, so jqwik shrinks the seed and the size. */
  record Params(long seed, int rules, boolean large) {}

  @Provide
  Arbitrary<Params> small() {
    return Arbitraries.longs().flatMap(seed -> Arbitraries.integers().between(0, 12).map(n -> new Params(seed, n, false)));
  }

  @Provide
  Arbitrary<Params> large() {
    return Arbitraries.longs().flatMap(seed -> Arbitraries.integers().between(50, 110).map(n -> new Params(seed, n, true)));
  }

  static long value(Random r) {
    long v = VALUES[r.nextInt(VALUES.length)];
    return switch (r.nextInt(6)) {
      case 0 -> r.nextLong();
      case 1 -> v + (r.nextBoolean() ? 1 : -1);
      default -> v;
    };
  }

  static Spec.Seccomp profile(Params p) {
    Random r = new Random(p.seed());
    String def = ACTIONS[r.nextInt(ACTIONS.length)];
    Integer defErrno = (def.equals("SCMP_ACT_ERRNO") || def.equals("SCMP_ACT_TRACE")) && r.nextBoolean() ? r.nextInt(4096) : null;
    List<String> archs = null;
    if (r.nextInt(4) != 0) {
      archs = new ArrayList<>();
      for (String a : ARCHES) if (r.nextBoolean()) archs.add(a);
    }
    List<String> pool = p.large() ? FEW_NAMES : NAMES;
    List<Spec.Syscall> rules = new ArrayList<>();
    for (int i = 0; i < p.rules(); i++) {
      List<String> names = new ArrayList<>();
      int n = 1 + r.nextInt(p.large() ? 2 : 3);
      for (int j = 0; j < n; j++) names.add(pool.get(r.nextInt(pool.size())));
      String action = ACTIONS[r.nextInt(ACTIONS.length)];
      Integer errno = (action.equals("SCMP_ACT_ERRNO") || action.equals("SCMP_ACT_TRACE")) && r.nextBoolean() ? r.nextInt(4096) : null;
      List<Spec.SyscallArg> args = null;
      int nargs = p.large() ? 1 + r.nextInt(2) : r.nextInt(4);
      if (nargs > 0 || r.nextBoolean()) {
        args = new ArrayList<>();
        for (int j = 0; j < nargs; j++) {
          String op = OPS[r.nextInt(OPS.length)];
          args.add(new Spec.SyscallArg(r.nextInt(6), Profiles.u64(value(r)),
              op.equals("SCMP_CMP_MASKED_EQ") || r.nextInt(4) == 0 ? Profiles.u64(value(r)) : null, op));
        }
      }
      rules.add(new Spec.Syscall(names, action, errno, args));
    }
    return new Spec.Seccomp(def, defErrno, archs, null, null, rules);
  }

  static SeccompData data(Random r, Spec.Seccomp spec) {
    int nr = switch (r.nextInt(10)) {
      case 0 -> r.nextInt(460);
      case 1 -> 0x40000000 | r.nextInt(600);
      case 2 -> switch (r.nextInt(4)) { case 0 -> -1; case 1 -> 0x3fffffff; case 2 -> 0x80000000; default -> r.nextInt(); };
      default -> SyscallTable.x86_64().number(NAMES.get(r.nextInt(NAMES.size() - 2))).orElseThrow();
    };
    int arch = switch (r.nextInt(10)) {
      case 0 -> 0x40000003;
      case 1 -> 0xC00000B7;
      case 2 -> r.nextInt();
      default -> 0xC000003E;
    };
    long[] args = new long[6];
    List<Long> specValues = new ArrayList<>();
    for (Spec.Syscall s : spec.syscalls()) {
      if (s.args() == null) continue;
      for (Spec.SyscallArg a : s.args()) {
        specValues.add(a.value().longValue());
        if (a.valueTwo() != null) specValues.add(a.valueTwo().longValue());
      }
    }
    for (int i = 0; i < 6; i++) {
      int pick = r.nextInt(4);
      if (pick == 0 && !specValues.isEmpty()) {
        long v = specValues.get(r.nextInt(specValues.size()));
        args[i] = switch (r.nextInt(5)) {
          case 0 -> v + 1;
          case 1 -> v - 1;
          case 2 -> v ^ (1L << r.nextInt(64));
          default -> v;
        };
      } else {
        args[i] = value(r);
      }
    }
    return new SeccompData(nr, arch, r.nextLong(), args);
  }

  void check(Params params, int samples) {
    Spec.Seccomp spec = profile(params);
    SeccompProgram program = SeccompCompiler.compile(spec);
    BpfInterpreter.verify(program.instructions());
    assertEquals(program.instructions(), SeccompProgram.decode(program.toBytes()));
    Random r = new Random(params.seed() * 31 + 7);
    for (int i = 0; i < samples; i++) {
      SeccompData d = data(r, spec);
      int expected = SpecSemantics.evaluate(spec, d, SyscallTable.x86_64());
      int actual = BpfInterpreter.run(program.instructions(), d);
      if (expected != actual) {
        throw new AssertionError(String.format("for %s expected 0x%08x but the filter returned 0x%08x%nspec: %s%n%s",
            d, expected, actual, spec, program.disassemble()));
      }
    }
  }

  @Property(tries = 1000)
  void randomProfilesBehaveAsTheSpecSays(@ForAll("small") Params params) { check(params, 60); }

  @Property(tries = 60)
  void longProfilesWithFarJumpsBehaveAsTheSpecSays(@ForAll("large") Params params) {
    check(params, 300);
    SeccompProgram program = SeccompCompiler.compile(profile(params));
    assertTrue(program.length() <= 4096);
    Statistics.label("uses BPF_JA trampolines").collect(program.instructions().stream().anyMatch(i -> i.code() == 0x05));
  }
}
