package dockyard.hyperkit.kvm;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One vCPU: its fd, the shared {@code kvm_run} page, and register access. {@link #run()} enters
 * the guest until the next exit and returns the exit reason; the accessors read that exit's
 * details from the kvm_run page (offsets of linux/kvm.h on x86-64). Owned by one thread.
 */
public final class KvmVcpu implements AutoCloseable {
  public static final int EXIT_IO = 2, EXIT_HLT = 5, EXIT_MMIO = 6, EXIT_SHUTDOWN = 8, EXIT_FAIL_ENTRY = 9, EXIT_INTR = 10,
      EXIT_INTERNAL_ERROR = 17, EXIT_SYSTEM_EVENT = 24;
  /** run() returns this when KVM_RUN was interrupted (EINTR) rather than exiting. */
  public static final int INTERRUPTED = -1;

  private final int id;
  private final int fd;
  private final MemorySegment run;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment errno = Syscalls.errnoState(arena);

  KvmVcpu(int id, int fd, MemorySegment run) {
    this.id = id;
    this.fd = fd;
    this.run = run;
  }

  public int id() {
    return id;
  }

  /** Enters the guest; returns the exit reason, or {@link #INTERRUPTED}. */
  public int run() throws LinuxException {
    int rc = Syscalls.ioctlRaw(errno, fd, Kvm.RUN, 0);
    if (rc < 0) {
      int e = Syscalls.errno(errno);
      if (e == Syscalls.EINTR || e == Syscalls.EAGAIN) return INTERRUPTED;
      throw new LinuxException("KVM_RUN on vCPU " + id, e);
    }
    return run.get(ValueLayout.JAVA_INT, 8);
  }

  /** Makes the next (or current, at its next exit) KVM_RUN return at once. */
  public void requestExit() {
    run.set(ValueLayout.JAVA_BYTE, 1, (byte) 1);
  }

  // ---- KVM_EXIT_IO
  public boolean ioIsOut() {
    return run.get(ValueLayout.JAVA_BYTE, 32) == 1;
  }

  public int ioSize() {
    return run.get(ValueLayout.JAVA_BYTE, 33);
  }

  public int ioPort() {
    return Short.toUnsignedInt(run.get(ValueLayout.JAVA_SHORT, 34));
  }

  public int ioCount() {
    return run.get(ValueLayout.JAVA_INT, 36);
  }

  /** The data of an I/O exit: {@code count} items of {@code size} bytes inside the kvm_run page. */
  public MemorySegment ioData() {
    long off = run.get(ValueLayout.JAVA_LONG, 40);
    return run.asSlice(off, (long) ioSize() * ioCount());
  }

  // ---- KVM_EXIT_MMIO
  public long mmioAddress() {
    return run.get(ValueLayout.JAVA_LONG, 32);
  }

  public int mmioLength() {
    return run.get(ValueLayout.JAVA_INT, 48);
  }

  public boolean mmioIsWrite() {
    return run.get(ValueLayout.JAVA_BYTE, 52) != 0;
  }

  /** The 8 data bytes of an MMIO exit (little-endian; {@link #mmioLength()} of them count). */
  public MemorySegment mmioData() {
    return run.asSlice(40, 8);
  }

  /** internal.suberror or fail_entry's hardware reason: both at the same place. */
  public long exitDetail() {
    return run.get(ValueLayout.JAVA_LONG, 32);
  }

  // ---- registers
  public Regs getRegs() throws LinuxException {
    Regs r = new Regs();
    Syscalls.ioctl(fd, Kvm.GET_REGS, r.segment(), "KVM_GET_REGS");
    return r;
  }

  public void setRegs(Regs r) throws LinuxException {
    Syscalls.ioctl(fd, Kvm.SET_REGS, r.segment(), "KVM_SET_REGS");
  }

  public Sregs getSregs() throws LinuxException {
    Sregs s = new Sregs();
    Syscalls.ioctl(fd, Kvm.GET_SREGS, s.segment(), "KVM_GET_SREGS");
    return s;
  }

  public void setSregs(Sregs s) throws LinuxException {
    Syscalls.ioctl(fd, Kvm.SET_SREGS, s.segment(), "KVM_SET_SREGS");
  }

  /** Sets model-specific registers: pairs of (index, value). */
  public void setMsrs(long... indexThenValue) throws LinuxException {
    int n = indexThenValue.length / 2;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment m = a.allocate(8 + 16L * n, 8);
      m.set(ValueLayout.JAVA_INT, 0, n);
      for (int i = 0; i < n; i++) {
        m.set(ValueLayout.JAVA_INT, 8 + 16L * i, (int) indexThenValue[2 * i]);
        m.set(ValueLayout.JAVA_LONG, 8 + 16L * i + 8, indexThenValue[2 * i + 1]);
      }
      int set = Syscalls.ioctl(fd, Kvm.SET_MSRS, m, "KVM_SET_MSRS");
      if (set != n) throw new LinuxException("KVM_SET_MSRS set " + set + " of " + n, 22);
    }
  }

  /**
   * Local APIC LINT0 as ExtINT and LINT1 as NMI, as a PC BIOS leaves them: the PIC's interrupts
   * (the timer, before Linux switches to the IOAPIC) reach the CPU through LINT0.
   */
  public void setupLapicLints() throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment l = a.allocate(1024, 8);
      Syscalls.ioctl(fd, Kvm.GET_LAPIC, l, "KVM_GET_LAPIC");
      int lvt0 = l.get(ValueLayout.JAVA_INT, 0x350), lvt1 = l.get(ValueLayout.JAVA_INT, 0x360);
      l.set(ValueLayout.JAVA_INT, 0x350, (lvt0 & ~0x700) | 0x700); // delivery mode ExtINT
      l.set(ValueLayout.JAVA_INT, 0x360, (lvt1 & ~0x700) | 0x400); // delivery mode NMI
      Syscalls.ioctl(fd, Kvm.SET_LAPIC, l, "KVM_SET_LAPIC");
    }
  }

  /** Gives the vCPU every CPUID leaf KVM supports (what a Linux guest expects to find). */
  public void setSupportedCpuid(Kvm kvm) throws LinuxException {
    int max = 256;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment c = a.allocate(8 + 40L * max, 8);
      c.set(ValueLayout.JAVA_INT, 0, max);
      Syscalls.ioctl(kvm.fd(), Kvm.GET_SUPPORTED_CPUID, c, "KVM_GET_SUPPORTED_CPUID");
      int n = c.get(ValueLayout.JAVA_INT, 0);
      for (int i = 0; i < n; i++) {
        long e = 8 + 40L * i;
        if (c.get(ValueLayout.JAVA_INT, e) == 1) {
          // leaf 1: EBX[31:24] is the initial APIC id, which must be this vCPU's
          int ebx = c.get(ValueLayout.JAVA_INT, e + 16);
          c.set(ValueLayout.JAVA_INT, e + 16, (ebx & 0x00ffffff) | (id << 24));
        }
      }
      Syscalls.ioctl(fd, Kvm.SET_CPUID2, c, "KVM_SET_CPUID2");
    }
  }

  @Override
  public void close() {
    Syscalls.munmap(run);
    Syscalls.close(fd);
    arena.close();
  }
}
