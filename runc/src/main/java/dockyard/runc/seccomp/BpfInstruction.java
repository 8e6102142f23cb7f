package dockyard.runc.seccomp;

/**
 * One classic BPF instruction, {@code struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }}.
 * {@code k} holds the unsigned 32-bit value's bits.
 */
public record BpfInstruction(int code, int jt, int jf, int k) {

  /** Size of {@code struct sock_filter} on x86_64. */
  public static final int SIZE = 8;

  public BpfInstruction {
    if (code < 0 || code > 0xffff) throw new IllegalArgumentException("code out of range: " + code);
    if (jt < 0 || jt > 0xff) throw new IllegalArgumentException("jt out of range: " + jt);
    if (jf < 0 || jf > 0xff) throw new IllegalArgumentException("jf out of range: " + jf);
  }

  /** BPF_STMT: an instruction without jump offsets. */
  public static BpfInstruction stmt(int code, int k) { return new BpfInstruction(code, 0, 0, k); }

  /** BPF_JUMP: a conditional jump; jt and jf are forward offsets from the next instruction. */
  public static BpfInstruction jump(int code, int k, int jt, int jf) { return new BpfInstruction(code, jt, jf, k); }

  /** Writes the 8 bytes of {@code struct sock_filter}, little-endian, at {@code off}. */
  public void writeTo(byte[] out, int off) {
    out[off] = (byte) code;
    out[off + 1] = (byte) (code >>> 8);
    out[off + 2] = (byte) jt;
    out[off + 3] = (byte) jf;
    out[off + 4] = (byte) k;
    out[off + 5] = (byte) (k >>> 8);
    out[off + 6] = (byte) (k >>> 16);
    out[off + 7] = (byte) (k >>> 24);
  }

  /** Reads an instruction written by {@link #writeTo}. */
  public static BpfInstruction readFrom(byte[] in, int off) {
    int code = (in[off] & 0xff) | (in[off + 1] & 0xff) << 8;
    int k = (in[off + 4] & 0xff) | (in[off + 5] & 0xff) << 8 | (in[off + 6] & 0xff) << 16 | (in[off + 7] & 0xff) << 24;
    return new BpfInstruction(code, in[off + 2] & 0xff, in[off + 3] & 0xff, k);
  }

  /** A bpf_asm-like rendering, e.g. {@code ld [4]}, {@code jeq #0x53, 0, 1}, {@code ret #0x7fff0000}. */
  @Override
  public String toString() {
    String hk = "#0x" + Integer.toHexString(k);
    return switch (code & 0x07) {
      case Bpf.LD -> switch (code & 0xe0) {
        case Bpf.ABS -> "ld" + size() + " [" + Integer.toUnsignedString(k) + "]";
        case Bpf.IMM -> "ld " + hk;
        case Bpf.MEM -> "ld M[" + k + "]";
        case Bpf.LEN -> "ld #len";
        default -> raw();
      };
      case Bpf.LDX -> switch (code & 0xe0) {
        case Bpf.IMM -> "ldx " + hk;
        case Bpf.MEM -> "ldx M[" + k + "]";
        case Bpf.LEN -> "ldx #len";
        default -> raw();
      };
      case Bpf.ST -> "st M[" + k + "]";
      case Bpf.STX -> "stx M[" + k + "]";
      case Bpf.ALU -> {
        String op = switch (code & 0xf0) {
          case Bpf.ADD -> "add"; case Bpf.SUB -> "sub"; case Bpf.MUL -> "mul"; case Bpf.DIV -> "div";
          case Bpf.OR -> "or"; case Bpf.AND -> "and"; case Bpf.LSH -> "lsh"; case Bpf.RSH -> "rsh";
          case Bpf.NEG -> "neg"; case Bpf.MOD -> "mod"; case Bpf.XOR -> "xor"; default -> "alu?";
        };
        yield (code & 0xf0) == Bpf.NEG ? op : op + " " + ((code & Bpf.X) != 0 ? "x" : hk);
      }
      case Bpf.JMP -> {
        if ((code & 0xf0) == Bpf.JA) yield "ja +" + Integer.toUnsignedString(k);
        String op = switch (code & 0xf0) {
          case Bpf.JEQ -> "jeq"; case Bpf.JGT -> "jgt"; case Bpf.JGE -> "jge"; case Bpf.JSET -> "jset"; default -> "j?";
        };
        yield op + " " + ((code & Bpf.X) != 0 ? "x" : hk) + ", " + jt + ", " + jf;
      }
      case Bpf.RET -> (code & 0x18) == Bpf.A ? "ret a" : "ret " + hk;
      default -> (code & 0xf8) == 0 ? "tax" : (code & 0xf8) == 0x80 ? "txa" : raw();
    };
  }

  private String size() {
    return switch (code & 0x18) { case Bpf.H -> "h"; case Bpf.B -> "b"; default -> ""; };
  }

  private String raw() {
    return "{0x" + Integer.toHexString(code) + ", " + jt + ", " + jf + ", 0x" + Integer.toHexString(k) + "}";
  }
}
