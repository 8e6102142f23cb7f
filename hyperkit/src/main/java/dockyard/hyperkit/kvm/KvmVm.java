package dockyard.hyperkit.kvm;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A VM file descriptor: memory slots, the in-kernel interrupt controllers, vCPUs, irqfd/ioeventfd. */
public final class KvmVm implements AutoCloseable {
  private final Kvm kvm;
  private final int fd;
  private boolean irqchip;

  KvmVm(Kvm kvm, int fd) {
    this.kvm = kvm;
    this.fd = fd;
  }

  public Kvm kvm() {
    return kvm;
  }

  /** Maps {@code host} (page aligned) at guest-physical {@code guestAddress} in memory slot {@code slot}. */
  public void setMemory(int slot, long guestAddress, MemorySegment host) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment r = a.allocate(32, 8);
      r.set(ValueLayout.JAVA_INT, 0, slot);
      r.set(ValueLayout.JAVA_INT, 4, 0); // flags
      r.set(ValueLayout.JAVA_LONG, 8, guestAddress);
      r.set(ValueLayout.JAVA_LONG, 16, host.byteSize());
      r.set(ValueLayout.JAVA_LONG, 24, host.address());
      Syscalls.ioctl(fd, Kvm.SET_USER_MEMORY_REGION, r, "KVM_SET_USER_MEMORY_REGION slot " + slot);
    }
  }

  /** The three pages Intel VMX needs for real-mode emulation, placed where no RAM or device is. */
  public void setTssAddress(long address) throws LinuxException {
    Syscalls.ioctl(fd, Kvm.SET_TSS_ADDR, address, "KVM_SET_TSS_ADDR");
  }

  /** In-kernel PIC, IOAPIC and local APICs, and the PIT: what a Linux guest needs for interrupts and time. */
  public void createInterruptControllers() throws LinuxException {
    Syscalls.ioctl(fd, Kvm.CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment pit = a.allocate(64, 8);
      pit.set(ValueLayout.JAVA_INT, 0, 1); // KVM_PIT_SPEAKER_DUMMY
      Syscalls.ioctl(fd, Kvm.CREATE_PIT2, pit, "KVM_CREATE_PIT2");
    }
    irqchip = true;
  }

  public boolean hasIrqchip() {
    return irqchip;
  }

  /** Sets interrupt line {@code irq} to {@code level} (edge: raise then lower). */
  public void irqLine(int irq, boolean level) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment l = a.allocate(8, 4);
      l.set(ValueLayout.JAVA_INT, 0, irq);
      l.set(ValueLayout.JAVA_INT, 4, level ? 1 : 0);
      Syscalls.ioctl(fd, Kvm.IRQ_LINE, l, "KVM_IRQ_LINE " + irq);
    }
  }

  /** Routes writes to eventfd {@code eventFd} to interrupt {@code gsi} inside the kernel (no exit to us). */
  public void irqfd(int eventFd, int gsi) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(32, 8);
      s.set(ValueLayout.JAVA_INT, 0, eventFd);
      s.set(ValueLayout.JAVA_INT, 4, gsi);
      Syscalls.ioctl(fd, Kvm.IRQFD, s, "KVM_IRQFD gsi " + gsi);
    }
  }

  /**
   * Makes a guest write of {@code length} bytes with value {@code datamatch} to MMIO {@code address}
   * signal {@code eventFd} in the kernel instead of exiting to user space (a queue notify that never
   * stops the vCPU).
   */
  public void ioeventfd(long address, int length, int eventFd, long datamatch) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment s = a.allocate(64, 8);
      s.set(ValueLayout.JAVA_LONG, 0, datamatch);
      s.set(ValueLayout.JAVA_LONG, 8, address);
      s.set(ValueLayout.JAVA_INT, 16, length);
      s.set(ValueLayout.JAVA_INT, 20, eventFd);
      s.set(ValueLayout.JAVA_INT, 24, 1); // flags: KVM_IOEVENTFD_FLAG_DATAMATCH (only this queue's index), MMIO
      Syscalls.ioctl(fd, Kvm.IOEVENTFD, s, "KVM_IOEVENTFD 0x" + Long.toHexString(address));
    }
  }

  public KvmVcpu createVcpu(int id) throws LinuxException {
    int vcpu = Syscalls.ioctl(fd, Kvm.CREATE_VCPU, id, "KVM_CREATE_VCPU " + id);
    try {
      MemorySegment run = Syscalls.mmap(kvm.vcpuMmapSize(), Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, vcpu, 0, "mmap kvm_run");
      return new KvmVcpu(id, vcpu, run);
    } catch (LinuxException e) {
      Syscalls.close(vcpu);
      throw e;
    }
  }

  int fd() {
    return fd;
  }

  @Override
  public void close() {
    Syscalls.close(fd);
  }
}
