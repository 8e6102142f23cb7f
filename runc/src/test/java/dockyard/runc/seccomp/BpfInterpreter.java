package dockyard.runc.seccomp;

import java.util.List;

/**
 * A classic BPF interpreter for seccomp filters, written from the BPF and seccomp documentation
 * (Documentation/networking/filter.rst, seccomp_filter.rst) with its own opcode literals so that it
 * checks the compiler rather than sharing its mistakes. {@link #verify} applies the kernel's
 * load-time checks for a seccomp filter; {@link #run} executes one.
 */
final class BpfInterpreter {
  private BpfInterpreter() {}

  /** {@code struct seccomp_data}: int nr; u32 arch; u64 instruction_pointer; u64 args[6]. */
  record SeccompData(int nr, int arch, long instructionPointer, long[] args) {
    static final int X86_64 = 0xC000003E;

    SeccompData {
      if (args.length != 6) throw new IllegalArgumentException("args must have 6 entries");
      args = args.clone();
    }

    static SeccompData x86_64(int nr, long... args) {
      long[] a = new long[6];
      System.arraycopy(args, 0, a, 0, args.length);
      return new SeccompData(nr, X86_64, 0x401000L, a);
    }

    /** The 32-bit little-endian word at byte offset {@code off}. */
    int word(int off) {
      if (off < 0 || off > 60 || off % 4 != 0) throw new IllegalArgumentException("bad seccomp_data offset " + off);
      if (off == 0) return nr;
      if (off == 4) return arch;
      long v = off < 16 ? instructionPointer : args[(off - 16) / 8];
      return (off % 8 == 0) ? (int) v : (int) (v >>> 32);
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("nr=" + nr + " arch=0x" + Integer.toHexString(arch) + " args=[");
      for (int i = 0; i < 6; i++) sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
      return sb.append(']').toString();
    }
  }

  record Result(int value, int executed) {}

  /**
   * The kernel's checks when a seccomp filter is loaded (bpf_check_classic and
   * seccomp_check_filter): length 1..4096, only the opcodes seccomp allows, 32-bit aligned loads
   * inside seccomp_data, scratch memory indices below 16, no division by a constant 0, jumps forward
   * and inside the program, the last instruction a return.
   */
  static void verify(List<BpfInstruction> prog) {
    int n = prog.size();
    if (n < 1 || n > 4096) throw new AssertionError("program length " + n);
    for (int pc = 0; pc < n; pc++) {
      BpfInstruction in = prog.get(pc);
      int code = in.code();
      String where = "instruction " + pc + " " + in;
      switch (code) {
        case 0x20 -> { // ld w abs
          if (Integer.compareUnsigned(in.k(), 64) >= 0 || (in.k() & 3) != 0) throw new AssertionError(where + ": bad seccomp_data offset");
        }
        case 0x80, 0x81, 0x00, 0x01, 0x06, 0x16, 0x07, 0x87 -> {} // ld/ldx len, ld/ldx imm, ret k/a, tax, txa
        case 0x60, 0x61, 0x02, 0x03 -> { // ld/ldx mem, st, stx
          if (Integer.compareUnsigned(in.k(), 16) >= 0) throw new AssertionError(where + ": bad memory index");
        }
        case 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0xa4, 0xac -> {
          if (code == 0x34 && in.k() == 0) throw new AssertionError(where + ": division by zero");
          if ((code == 0x64 || code == 0x74) && Integer.compareUnsigned(in.k(), 32) >= 0) throw new AssertionError(where + ": shift too far");
        }
        case 0x05 -> { // ja
          if (Integer.compareUnsigned(in.k(), n - pc - 1) >= 0) throw new AssertionError(where + ": ja out of range");
        }
        case 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d -> {
          if (pc + in.jt() + 1 >= n || pc + in.jf() + 1 >= n) throw new AssertionError(where + ": jump out of range");
        }
        default -> throw new AssertionError(where + ": opcode 0x" + Integer.toHexString(code) + " not allowed in seccomp");
      }
    }
    int last = prog.get(n - 1).code();
    if (last != 0x06 && last != 0x16) throw new AssertionError("last instruction is not a return: " + prog.get(n - 1));
  }

  static int run(List<BpfInstruction> prog, SeccompData data) { return execute(prog, data).value(); }

  static Result execute(List<BpfInstruction> prog, SeccompData data) {
    int a = 0;
    int x = 0;
    int[] mem = new int[16];
    int pc = 0;
    int executed = 0;
    while (true) {
      if (pc >= prog.size()) throw new AssertionError("ran off the end of the program");
      BpfInstruction in = prog.get(pc++);
      executed++;
      int k = in.k();
      switch (in.code() & 0x07) {
        case 0x00 -> a = switch (in.code()) { // ld
          case 0x20 -> data.word(k);
          case 0x00 -> k;
          case 0x60 -> mem[k];
          case 0x80 -> 64;
          default -> throw new AssertionError("bad ld " + in);
        };
        case 0x01 -> x = switch (in.code()) { // ldx
          case 0x01 -> k;
          case 0x61 -> mem[k];
          case 0x81 -> 64;
          default -> throw new AssertionError("bad ldx " + in);
        };
        case 0x02 -> mem[k] = a;
        case 0x03 -> mem[k] = x;
        case 0x04 -> { // alu
          int src = (in.code() & 0x08) != 0 ? x : k;
          a = switch (in.code() & 0xf0) {
            case 0x00 -> a + src;
            case 0x10 -> a - src;
            case 0x20 -> a * src;
            case 0x30 -> {
              if (src == 0) yield 0; // the kernel returns 0 from the filter on x / 0
              yield Integer.divideUnsigned(a, src);
            }
            case 0x40 -> a | src;
            case 0x50 -> a & src;
            case 0x60 -> a << src;
            case 0x70 -> a >>> src;
            case 0x80 -> -a;
            case 0xa0 -> a ^ src;
            default -> throw new AssertionError("bad alu " + in);
          };
        }
        case 0x05 -> { // jmp
          int op = in.code() & 0xf0;
          if (op == 0x00) {
            pc += k;
            continue;
          }
          int src = (in.code() & 0x08) != 0 ? x : k;
          boolean taken = switch (op) {
            case 0x10 -> a == src;
            case 0x20 -> Integer.compareUnsigned(a, src) > 0;
            case 0x30 -> Integer.compareUnsigned(a, src) >= 0;
            case 0x40 -> (a & src) != 0;
            default -> throw new AssertionError("bad jmp " + in);
          };
          pc += taken ? in.jt() : in.jf();
        }
        case 0x06 -> {
          return new Result((in.code() & 0x18) == 0x10 ? a : k, executed);
        }
        case 0x07 -> {
          if (in.code() == 0x07) x = a;
          else a = x;
        }
        default -> throw new AssertionError("unreachable");
      }
    }
  }
}
