package dockyard.runc.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a classic BPF program with symbolic forward labels. Conditional jumps have 8-bit offsets;
 * a conditional jump whose target ends up more than 255 instructions away is rewritten to jump to a
 * {@code BPF_JMP|BPF_JA} trampoline placed right after it (32-bit offset). Inserting trampolines
 * only lengthens forward distances, so layout repeats until no more are needed.
 */
final class BpfAssembler {

  static final int MAX_SHORT = 255;

  static final class Label {
    private int addr = -1;
    private boolean bound;
  }

  private sealed interface Node permits Stmt, Cond, Goto, Bind {}

  private record Stmt(int code, int k) implements Node {}

  private static final class Cond implements Node {
    final int code;
    final int k;
    final Label jt;
    final Label jf;
    boolean longT;
    boolean longF;

    Cond(int code, int k, Label jt, Label jf) {
      this.code = code;
      this.k = k;
      this.jt = jt;
      this.jf = jf;
    }

    int size() { return 1 + (longT ? 1 : 0) + (longF ? 1 : 0); }
  }

  private record Goto(Label target) implements Node {}

  private record Bind(Label label) implements Node {}

  private final List<Node> nodes = new ArrayList<>();

  Label label() { return new Label(); }

  /** Places {@code label} at the next instruction. */
  void bind(Label label) {
    if (label.bound) throw new IllegalStateException("label bound twice");
    label.bound = true;
    nodes.add(new Bind(label));
  }

  void stmt(int code, int k) { nodes.add(new Stmt(code, k)); }

  /** {@code ld [offset]}: a 32-bit load from seccomp_data. */
  void loadWord(int offset) { stmt(Bpf.LD | Bpf.W | Bpf.ABS, offset); }

  void ret(int value) { stmt(Bpf.RET | Bpf.K, value); }

  /** A conditional jump on A against {@code k}; a null label means the next instruction. */
  void jump(int op, int k, Label jt, Label jf) {
    Label next = null;
    if (jt == null || jf == null) next = label();
    nodes.add(new Cond(Bpf.JMP | op | Bpf.K, k, jt == null ? next : jt, jf == null ? next : jf));
    if (next != null) bind(next);
  }

  /** An unconditional jump. */
  void jumpAlways(Label target) { nodes.add(new Goto(target)); }

  /** The number of instructions emitted so far, before any trampolines. */
  int sizeEstimate() {
    int n = 0;
    for (Node node : nodes) if (!(node instanceof Bind)) n++;
    return n;
  }

  List<BpfInstruction> assemble() {
    boolean changed = true;
    int total = 0;
    while (changed) {
      total = layout();
      changed = false;
      int addr = 0;
      for (Node node : nodes) {
        if (node instanceof Cond c) {
          int base = addr + 1;
          if (!c.longT && c.jt.addr - base > MAX_SHORT) { c.longT = true; changed = true; }
          if (!c.longF && c.jf.addr - base > MAX_SHORT) { c.longF = true; changed = true; }
          addr += c.size();
        } else if (!(node instanceof Bind)) {
          addr++;
        }
      }
    }
    List<BpfInstruction> out = new ArrayList<>(total);
    for (Node node : nodes) {
      int a = out.size();
      switch (node) {
        case Bind b -> {}
        case Stmt s -> out.add(BpfInstruction.stmt(s.code(), s.k()));
        case Goto g -> out.add(BpfInstruction.stmt(Bpf.JMP | Bpf.JA, forward(g.target(), a + 1)));
        case Cond c -> {
          int nT = c.longT ? 1 : 0;
          int jt = c.longT ? 0 : forward(c.jt, a + 1);
          int jf = c.longF ? nT : forward(c.jf, a + 1);
          out.add(BpfInstruction.jump(c.code, c.k, jt, jf));
          if (c.longT) out.add(BpfInstruction.stmt(Bpf.JMP | Bpf.JA, forward(c.jt, a + 2)));
          if (c.longF) out.add(BpfInstruction.stmt(Bpf.JMP | Bpf.JA, forward(c.jf, a + 2 + nT)));
        }
      }
    }
    if (out.size() != total) throw new IllegalStateException("layout mismatch");
    return out;
  }

  private int layout() {
    int addr = 0;
    for (Node node : nodes) {
      switch (node) {
        case Bind b -> b.label().addr = addr;
        case Cond c -> addr += c.size();
        default -> addr++;
      }
    }
    return addr;
  }

  private static int forward(Label target, int from) {
    if (!target.bound) throw new IllegalStateException("jump to an unbound label");
    int off = target.addr - from;
    if (off < 0) throw new IllegalStateException("backward jump");
    return off;
  }
}
