package dockyard.runc.seccomp;

import java.util.HexFormat;
import java.util.List;

/**
 * A compiled seccomp filter: the classic BPF program, the {@code SECCOMP_FILTER_FLAG_*} bits to
 * install it with, and the warnings compiling produced (syscall names unknown on x86_64, ignored
 * architectures), which the caller should log.
 */
public record SeccompProgram(List<BpfInstruction> instructions, int flags, List<String> warnings, boolean notifies) {

  public static final int FLAG_TSYNC = 1;
  public static final int FLAG_LOG = 2;
  public static final int FLAG_SPEC_ALLOW = 4;

  /** A program without SCMP_ACT_NOTIFY rules. */
  public SeccompProgram(List<BpfInstruction> instructions, int flags, List<String> warnings) {
    this(instructions, flags, warnings, false);
  }

  public SeccompProgram {
    instructions = List.copyOf(instructions);
    warnings = List.copyOf(warnings);
    if (instructions.isEmpty()) throw new IllegalArgumentException("empty BPF program");
    if (instructions.size() > Bpf.MAX_INSNS) {
      throw new SeccompException("BPF program has " + instructions.size() + " instructions, more than the kernel's limit of " + Bpf.MAX_INSNS);
    }
  }

  /** The number of instructions. */
  public int length() { return instructions.size(); }

  /** The program as the kernel takes it: an array of {@code struct sock_filter}, 8 bytes each, little-endian. */
  public byte[] toBytes() {
    byte[] out = new byte[instructions.size() * BpfInstruction.SIZE];
    for (int i = 0; i < instructions.size(); i++) instructions.get(i).writeTo(out, i * BpfInstruction.SIZE);
    return out;
  }

  /** {@link #toBytes()} as lowercase hex, two digits a byte, no separators (the plan's {@code seccomp HEX}). */
  public String toHex() { return HexFormat.of().formatHex(toBytes()); }

  /** Decodes {@link #toBytes()} output. */
  public static List<BpfInstruction> decode(byte[] bytes) {
    if (bytes.length % BpfInstruction.SIZE != 0) throw new IllegalArgumentException("length " + bytes.length + " is not a multiple of 8");
    BpfInstruction[] out = new BpfInstruction[bytes.length / BpfInstruction.SIZE];
    for (int i = 0; i < out.length; i++) out[i] = BpfInstruction.readFrom(bytes, i * BpfInstruction.SIZE);
    return List.of(out);
  }

  /** One instruction a line, numbered, for logs and debugging. */
  public String disassemble() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < instructions.size(); i++) sb.append(String.format("%4d: %s%n", i, instructions.get(i)));
    return sb.toString();
  }
}
