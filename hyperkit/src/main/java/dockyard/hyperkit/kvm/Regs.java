package dockyard.hyperkit.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** struct kvm_regs: the general registers, rip and rflags (18 × u64, in kvm.h's order). */
public final class Regs {
  public static final int RAX = 0, RBX = 1, RCX = 2, RDX = 3, RSI = 4, RDI = 5, RSP = 6, RBP = 7, R8 = 8,
      RIP = 16, RFLAGS = 17;
  private final MemorySegment s = Arena.ofAuto().allocate(144, 8);

  public Regs() {
    set(RFLAGS, 2); // bit 1 is always set
  }

  public long get(int reg) {
    return s.get(ValueLayout.JAVA_LONG, reg * 8L);
  }

  public Regs set(int reg, long value) {
    s.set(ValueLayout.JAVA_LONG, reg * 8L, value);
    return this;
  }

  MemorySegment segment() {
    return s;
  }
}
