package dockyard.runc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.runc.seccomp.BpfInterpreter.SeccompData;
import dockyard.runc.spec.Spec;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Docker's default profile (a trimmed copy in OCI form, test resource docker-default.json). */
class DockerDefaultProfileTest {

  static final int ALLOW = 0x7fff0000;
  static final int EPERM = 0x00050001;
  static final int ENOSYS = 0x00050026;

  static Spec.Seccomp spec;
  static SeccompProgram program;

  @BeforeAll
  static void compile() throws Exception {
    try (InputStream in = DockerDefaultProfileTest.class.getResourceAsStream("docker-default.json")) {
      assertNotNull(in, "docker-default.json");
      spec = new ObjectMapper().readValue(in, Spec.Seccomp.class);
    }
    program = SeccompCompiler.compile(spec);
    BpfInterpreter.verify(program.instructions());
  }

  static int nr(String name) {
    OptionalInt n = SyscallTable.x86_64().number(name);
    assertTrue(n.isPresent(), name);
    return n.getAsInt();
  }

  static int run(String name, long... args) { return BpfInterpreter.run(program.instructions(), SeccompData.x86_64(nr(name), args)); }

  @Test
  void parsesAsARealisticProfile() {
    assertEquals("SCMP_ACT_ERRNO", spec.defaultAction());
    assertEquals(1, spec.defaultErrnoRet());
    int names = spec.syscalls().stream().mapToInt(s -> s.names().size()).sum();
    assertTrue(names > 300, "names " + names);
  }

  @Test
  void compilesWellUnderTheKernelLimit() {
    assertTrue(program.length() < 4096, "length " + program.length());
    assertTrue(program.length() < 400, "length " + program.length());
    System.out.println("docker default profile: " + program.length() + " BPF instructions, " + program.warnings().size() + " warnings");
  }

  @Test
  void namesUnknownOnX8664AreWarnedAbout() {
    List<String> unknown = program.warnings().stream().filter(w -> w.contains("unknown on x86_64")).toList();
    assertEquals(1, unknown.size(), "one summary line: " + program.warnings());
    assertTrue(unknown.getFirst().contains("chown32"), unknown.toString());
  }

  @Test
  void everydaySyscallsAreAllowed() {
    for (String name : new String[] {"read", "write", "openat", "close", "mmap", "execve", "exit_group", "futex", "epoll_wait",
        "rt_sigreturn", "clock_gettime", "getrandom", "statx", "arch_prctl", "ptrace"}) {
      assertEquals(ALLOW, run(name), name);
    }
    // every allowed name the table knows is allowed
    for (Spec.Syscall rule : spec.syscalls()) {
      if (!rule.action().equals("SCMP_ACT_ALLOW") || rule.args() != null) continue;
      for (String name : rule.names()) {
        SyscallTable.x86_64().number(name).ifPresent(n ->
            assertEquals(ALLOW, BpfInterpreter.run(program.instructions(), SeccompData.x86_64(n)), name));
      }
    }
  }

  @Test
  void dangerousSyscallsGetEperm() {
    for (String name : new String[] {"reboot", "mount", "umount2", "unshare", "setns", "kexec_load", "init_module",
        "bpf", "perf_event_open", "keyctl", "add_key", "pivot_root", "swapon", "acct", "open_by_handle_at", "userfaultfd"}) {
      assertEquals(EPERM, run(name), name);
    }
  }

  @Test
  void argumentRules() {
    assertEquals(ENOSYS, run("clone3"));
    // clone without namespace flags is allowed; with CLONE_NEWUSER or CLONE_NEWNS it is not
    assertEquals(ALLOW, run("clone", 0x01200011L));
    assertEquals(EPERM, run("clone", 0x10000011L));
    assertEquals(EPERM, run("clone", 0x00020011L));
    // socket: anything but AF_VSOCK (40)
    assertEquals(ALLOW, run("socket", 2, 1, 0));
    assertEquals(ALLOW, run("socket", 0x1_0000_0028L));
    assertEquals(EPERM, run("socket", 40, 1, 0));
    // personality: only the listed personas
    assertEquals(ALLOW, run("personality", 0));
    assertEquals(ALLOW, run("personality", 8));
    assertEquals(ALLOW, run("personality", 0x20000));
    assertEquals(ALLOW, run("personality", 0x20008));
    assertEquals(ALLOW, run("personality", 0xffffffffL));
    assertEquals(EPERM, run("personality", 1));
    assertEquals(EPERM, run("personality", 0x4_0000));
  }

  @Test
  void otherAbis() {
    // i386 and x32 are listed: they fail closed to the default (EPERM); others are killed
    assertEquals(EPERM, BpfInterpreter.run(program.instructions(), new SeccompData(3, 0x40000003, 0, new long[6])));
    assertEquals(EPERM, BpfInterpreter.run(program.instructions(), SeccompData.x86_64(0x40000000)));
    assertEquals(0x80000000, BpfInterpreter.run(program.instructions(), new SeccompData(63, 0xC00000B7, 0, new long[6])));
  }

  @Test
  void commonSyscallsAreDecidedQuickly() {
    int readSteps = BpfInterpreter.execute(program.instructions(), SeccompData.x86_64(0)).executed();
    assertTrue(readSteps < 10, "read took " + readSteps + " instructions");
  }
}
