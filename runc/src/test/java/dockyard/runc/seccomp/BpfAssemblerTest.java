package dockyard.runc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dockyard.runc.seccomp.BpfInterpreter.SeccompData;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfAssemblerTest {

  /** ld nr; jeq #7, far1, far2; 300 × ret 1; far1: ret 2; 300 × ret 3; far2: ret 4. */
  static List<BpfInstruction> bothBranchesFar(int gap) {
    BpfAssembler asm = new BpfAssembler();
    BpfAssembler.Label far1 = asm.label();
    BpfAssembler.Label far2 = asm.label();
    asm.loadWord(Bpf.OFF_NR);
    asm.jump(Bpf.JEQ, 7, far1, far2);
    for (int i = 0; i < gap; i++) asm.ret(1);
    asm.bind(far1);
    asm.ret(2);
    for (int i = 0; i < gap; i++) asm.ret(3);
    asm.bind(far2);
    asm.ret(4);
    return asm.assemble();
  }

  @Test
  void shortJumpsStayShort() {
    List<BpfInstruction> p = bothBranchesFar(100);
    assertEquals(2 + 100 + 1 + 100 + 1, p.size());
    BpfInterpreter.verify(p);
    assertEquals(2, BpfInterpreter.run(p, SeccompData.x86_64(7)));
    assertEquals(4, BpfInterpreter.run(p, SeccompData.x86_64(8)));
  }

  @Test
  void bothBranchesOfOneJumpCanBeFar() {
    for (int gap : new int[] {253, 254, 255, 256, 300}) {
      List<BpfInstruction> p = bothBranchesFar(gap);
      BpfInterpreter.verify(p);
      assertEquals(2, BpfInterpreter.run(p, SeccompData.x86_64(7)), "gap " + gap);
      assertEquals(4, BpfInterpreter.run(p, SeccompData.x86_64(8)), "gap " + gap);
    }
  }

  @Test
  void aTrampolineCanPushAnotherJumpOutOfRange() {
    // jump A's target is 255 away until jump B, between A and its target, gains a trampoline
    BpfAssembler asm = new BpfAssembler();
    BpfAssembler.Label a = asm.label();
    BpfAssembler.Label b = asm.label();
    asm.loadWord(Bpf.OFF_NR);
    asm.jump(Bpf.JEQ, 1, a, null);
    asm.jump(Bpf.JEQ, 2, b, null);
    for (int i = 0; i < 254; i++) asm.ret(10);
    asm.bind(a);
    asm.ret(11);
    for (int i = 0; i < 10; i++) asm.ret(12);
    asm.bind(b);
    asm.ret(13);
    List<BpfInstruction> p = asm.assemble();
    BpfInterpreter.verify(p);
    assertEquals(2, p.stream().filter(i -> i.code() == 0x05).count(), "both jumps need a trampoline");
    assertEquals(11, BpfInterpreter.run(p, SeccompData.x86_64(1)));
    assertEquals(13, BpfInterpreter.run(p, SeccompData.x86_64(2)));
    assertEquals(10, BpfInterpreter.run(p, SeccompData.x86_64(3)));
  }

  @Test
  void unboundLabelsAreAnError() {
    BpfAssembler asm = new BpfAssembler();
    asm.jumpAlways(asm.label());
    asm.ret(0);
    assertThrows(IllegalStateException.class, asm::assemble);
  }
}
