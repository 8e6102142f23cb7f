package dockyard.runc.seccomp;

/**
 * Classic BPF opcodes (linux/filter.h, linux/bpf_common.h) and the layout of {@code struct
 * seccomp_data} (linux/seccomp.h) that a seccomp filter reads.
 */
public final class Bpf {
  private Bpf() {}

  // Instruction classes.
  public static final int LD = 0x00;
  public static final int LDX = 0x01;
  public static final int ST = 0x02;
  public static final int STX = 0x03;
  public static final int ALU = 0x04;
  public static final int JMP = 0x05;
  public static final int RET = 0x06;
  public static final int MISC = 0x07;

  // Load sizes and modes.
  public static final int W = 0x00;
  public static final int H = 0x08;
  public static final int B = 0x10;
  public static final int IMM = 0x00;
  public static final int ABS = 0x20;
  public static final int IND = 0x40;
  public static final int MEM = 0x60;
  public static final int LEN = 0x80;
  public static final int MSH = 0xa0;

  // ALU operations.
  public static final int ADD = 0x00;
  public static final int SUB = 0x10;
  public static final int MUL = 0x20;
  public static final int DIV = 0x30;
  public static final int OR = 0x40;
  public static final int AND = 0x50;
  public static final int LSH = 0x60;
  public static final int RSH = 0x70;
  public static final int NEG = 0x80;
  public static final int MOD = 0x90;
  public static final int XOR = 0xa0;

  // Jumps.
  public static final int JA = 0x00;
  public static final int JEQ = 0x10;
  public static final int JGT = 0x20;
  public static final int JGE = 0x30;
  public static final int JSET = 0x40;

  // Operand sources; RET_A uses the same bit as X.
  public static final int K = 0x00;
  public static final int X = 0x08;
  public static final int A = 0x10;

  /** BPF_MAXINSNS: the kernel refuses longer classic programs. */
  public static final int MAX_INSNS = 4096;

  /** Offsets in {@code struct seccomp_data}: int nr; u32 arch; u64 instruction_pointer; u64 args[6]. */
  public static final int OFF_NR = 0;
  public static final int OFF_ARCH = 4;
  public static final int OFF_IP = 8;
  public static final int OFF_ARGS = 16;
  public static final int SECCOMP_DATA_SIZE = 64;

  /** Offset of the low 32 bits of {@code args[index]} (x86_64 is little-endian). */
  public static int argLow(int index) { return OFF_ARGS + 8 * index; }

  /** Offset of the high 32 bits of {@code args[index]}. */
  public static int argHigh(int index) { return OFF_ARGS + 8 * index + 4; }

  // AUDIT_ARCH_* values (linux/audit.h).
  public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  public static final int AUDIT_ARCH_I386 = 0x40000003;

  /** x32 syscalls arrive with AUDIT_ARCH_X86_64 and this bit set in nr. */
  public static final int X32_SYSCALL_BIT = 0x40000000;
}
