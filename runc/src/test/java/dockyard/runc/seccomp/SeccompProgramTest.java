package dockyard.runc.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeccompProgramTest {

  @Test
  void firstInstructionLoadsArchAsStructSockFilterBytes() {
    SeccompProgram p = SeccompCompiler.compile(Profiles.profile("SCMP_ACT_ALLOW"));
    byte[] bytes = p.toBytes();
    assertEquals(8 * p.length(), bytes.length);
    // BPF_LD|BPF_W|BPF_ABS = 0x20, jt 0, jf 0, k = 4 (offsetof(struct seccomp_data, arch))
    assertArrayEquals(new byte[] {0x20, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00}, java.util.Arrays.copyOf(bytes, 8));
    assertTrue(p.toHex().startsWith("2000000004000000"), p.toHex());
    assertEquals(HexFormat.of().formatHex(bytes), p.toHex());
    assertEquals(2 * bytes.length, p.toHex().length());
  }

  @Test
  void codeJumpOffsetsAndKAreLittleEndian() {
    // jeq #0xC000003E, 1, 2 and ret #0x7fff0000
    SeccompProgram p = new SeccompProgram(List.of(
        BpfInstruction.jump(0x15, 0xC000003E, 1, 2),
        BpfInstruction.stmt(0x06, 0x7fff0000),
        BpfInstruction.stmt(0x06, 0x80000000),
        BpfInstruction.stmt(0x06, 0x00050001)), 0, List.of());
    assertEquals("150001023e0000c0" + "060000000000ff7f" + "0600000000000080" + "0600000001000500", p.toHex());
    assertEquals(p.instructions(), SeccompProgram.decode(p.toBytes()));
  }

  @Test
  void codeAboveOneByteKeepsItsHighByte() {
    byte[] b = new byte[8];
    new BpfInstruction(0x1234, 0xff, 0x80, -1).writeTo(b, 0);
    assertArrayEquals(new byte[] {0x34, 0x12, (byte) 0xff, (byte) 0x80, -1, -1, -1, -1}, b);
    assertEquals(new BpfInstruction(0x1234, 0xff, 0x80, -1), BpfInstruction.readFrom(b, 0));
  }

  @Test
  void instructionFieldsAreRangeChecked() {
    assertThrows(IllegalArgumentException.class, () -> new BpfInstruction(0x10000, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new BpfInstruction(0x15, 256, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new BpfInstruction(0x15, 0, -1, 0));
  }

  @Test
  void programOverTheKernelLimitIsRefused() {
    List<BpfInstruction> many = java.util.Collections.nCopies(4097, BpfInstruction.stmt(0x06, 0));
    SeccompException e = assertThrows(SeccompException.class, () -> new SeccompProgram(many, 0, List.of()));
    assertTrue(e.getMessage().contains("4096"), e.getMessage());
    assertEquals(4096, new SeccompProgram(many.subList(0, 4096), 0, List.of()).length());
  }

  @Test
  void disassemblyNamesTheInstructions() {
    String text = SeccompCompiler.compile(Profiles.profile("SCMP_ACT_ALLOW", Profiles.rule("SCMP_ACT_ERRNO", "mkdir"))).disassemble();
    assertTrue(text.startsWith("   0: ld [4]"), text);
    assertTrue(text.contains("jeq #0xc000003e"), text);
    assertTrue(text.contains("jeq #0x53"), text);
    assertTrue(text.contains("ret #0x50001"), text);
  }
}
