package dockyard.hyperkit.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** struct kvm_sregs: segment and descriptor-table registers, control registers, EFER, APIC base. */
public final class Sregs {
  public static final int CS = 0, DS = 24, ES = 48, FS = 72, GS = 96, SS = 120, TR = 144, LDT = 168;
  private static final int GDT = 192, IDT = 208, CR0 = 224, CR3 = 240, CR4 = 248, EFER = 264;
  private final MemorySegment s = Arena.ofAuto().allocate(312, 8);

  /** A segment register's hidden state (kvm_segment). {@code type} is the descriptor type nibble. */
  public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db, boolean s,
                        boolean l, boolean g) {}

  public void segment(int which, Segment g) {
    s.set(ValueLayout.JAVA_LONG, which, g.base());
    s.set(ValueLayout.JAVA_INT, which + 8, g.limit());
    s.set(ValueLayout.JAVA_SHORT, which + 12, (short) g.selector());
    s.set(ValueLayout.JAVA_BYTE, which + 14, (byte) g.type());
    s.set(ValueLayout.JAVA_BYTE, which + 15, (byte) (g.present() ? 1 : 0));
    s.set(ValueLayout.JAVA_BYTE, which + 16, (byte) g.dpl());
    s.set(ValueLayout.JAVA_BYTE, which + 17, (byte) (g.db() ? 1 : 0));
    s.set(ValueLayout.JAVA_BYTE, which + 18, (byte) (g.s() ? 1 : 0));
    s.set(ValueLayout.JAVA_BYTE, which + 19, (byte) (g.l() ? 1 : 0));
    s.set(ValueLayout.JAVA_BYTE, which + 20, (byte) (g.g() ? 1 : 0));
    s.set(ValueLayout.JAVA_BYTE, which + 21, (byte) 0);
    s.set(ValueLayout.JAVA_BYTE, which + 22, (byte) 0); // usable
  }

  public void gdt(long base, int limit) {
    s.set(ValueLayout.JAVA_LONG, GDT, base);
    s.set(ValueLayout.JAVA_SHORT, GDT + 8, (short) limit);
  }

  public void idt(long base, int limit) {
    s.set(ValueLayout.JAVA_LONG, IDT, base);
    s.set(ValueLayout.JAVA_SHORT, IDT + 8, (short) limit);
  }

  public long cr0() {
    return s.get(ValueLayout.JAVA_LONG, CR0);
  }

  public void cr0(long v) {
    s.set(ValueLayout.JAVA_LONG, CR0, v);
  }

  public void cr3(long v) {
    s.set(ValueLayout.JAVA_LONG, CR3, v);
  }

  public long cr4() {
    return s.get(ValueLayout.JAVA_LONG, CR4);
  }

  public void cr4(long v) {
    s.set(ValueLayout.JAVA_LONG, CR4, v);
  }

  public long efer() {
    return s.get(ValueLayout.JAVA_LONG, EFER);
  }

  public void efer(long v) {
    s.set(ValueLayout.JAVA_LONG, EFER, v);
  }

  MemorySegment segment() {
    return s;
  }
}
