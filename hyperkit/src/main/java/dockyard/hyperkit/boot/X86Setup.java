package dockyard.hyperkit.boot;

import dockyard.hyperkit.kvm.KvmVcpu;
import dockyard.hyperkit.kvm.Regs;
import dockyard.hyperkit.kvm.Sregs;
import dockyard.hyperkit.memory.GuestMemory;
import dockyard.linux.LinuxException;

/**
 * The CPU state a guest starts in, without firmware: a GDT, identity page tables for long mode,
 * and the segment, control and general registers for each {@link CpuMode}. Layout in low memory:
 * GDT at 0x500, IDT none (limit 0), page tables at 0x9000..0xefff (PML4, PDPT, four page
 * directories of 2 MiB pages covering 4 GiB).
 */
public final class X86Setup {
  public static final long GDT = 0x500;
  public static final long PML4 = 0x9000, PDPT = 0xa000, PD = 0xb000;

  private static final long CODE64 = 0x00af9b000000ffffL, CODE32 = 0x00cf9b000000ffffL, DATA = 0x00cf93000000ffffL;
  private static final long CR0_PE = 1, CR0_ET = 0x10, CR0_PG = 0x80000000L, CR4_PAE = 0x20, EFER_LME = 0x100, EFER_LMA = 0x400;

  /** Where code and data selectors sit: test guests use 0x08/0x10, Linux's boot protocol 0x10/0x18. */
  public record Selectors(int code, int data) {
    public static final Selectors FLAT = new Selectors(0x08, 0x10);
    public static final Selectors LINUX = new Selectors(0x10, 0x18);
  }

  private X86Setup() {}

  /** Writes the GDT and (for long mode) the page tables into guest memory. */
  public static void writeTables(GuestMemory mem, CpuMode mode, Selectors sel) {
    long code = mode == CpuMode.LONG ? CODE64 : CODE32;
    mem.writeLong(GDT, 0);
    for (int i = 1; i < 4; i++) mem.writeLong(GDT + i * 8L, 0);
    mem.writeLong(GDT + sel.code(), code);
    mem.writeLong(GDT + sel.data(), DATA);
    if (mode == CpuMode.LONG) {
      mem.writeLong(PML4, PDPT | 3);
      for (int i = 0; i < 4; i++) {
        mem.writeLong(PDPT + i * 8L, (PD + i * 0x1000L) | 3);
        for (int j = 0; j < 512; j++) {
          long addr = ((long) i << 30) | ((long) j << 21);
          mem.writeLong(PD + i * 0x1000L + j * 8L, addr | 0x83); // present, writable, 2 MiB page
        }
      }
    }
  }

  /** Sets up {@code vcpu} to start at {@code entry} in {@code mode}; {@code regs} holds the general registers wanted. */
  public static void start(KvmVcpu vcpu, CpuMode mode, Selectors sel, long entry, Regs regs) throws LinuxException {
    Sregs s = vcpu.getSregs();
    if (mode == CpuMode.REAL) {
      Sregs.Segment seg = new Sregs.Segment(0, 0xffff, 0, 3, true, 0, false, true, false, false);
      s.segment(Sregs.CS, new Sregs.Segment(0, 0xffff, 0, 11, true, 0, false, true, false, false));
      for (int r : new int[] {Sregs.DS, Sregs.ES, Sregs.FS, Sregs.GS, Sregs.SS}) s.segment(r, seg);
    } else {
      boolean lm = mode == CpuMode.LONG;
      s.segment(Sregs.CS, new Sregs.Segment(0, 0xffffffff, sel.code(), 11, true, 0, !lm, true, lm, true));
      Sregs.Segment data = new Sregs.Segment(0, 0xffffffff, sel.data(), 3, true, 0, true, true, false, true);
      for (int r : new int[] {Sregs.DS, Sregs.ES, Sregs.FS, Sregs.GS, Sregs.SS}) s.segment(r, data);
      s.gdt(GDT, 4 * 8 - 1);
      s.idt(0, 0);
      if (lm) {
        s.cr3(PML4);
        s.cr4(s.cr4() | CR4_PAE);
        s.cr0(CR0_PE | CR0_ET | CR0_PG);
        s.efer(s.efer() | EFER_LME | EFER_LMA);
      } else {
        s.cr0(CR0_PE | CR0_ET);
      }
    }
    vcpu.setSregs(s);
    regs.set(Regs.RIP, entry);
    regs.set(Regs.RFLAGS, 2);
    vcpu.setRegs(regs);
  }
}
