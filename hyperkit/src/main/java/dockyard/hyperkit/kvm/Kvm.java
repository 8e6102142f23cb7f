package dockyard.hyperkit.kvm;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;

/**
 * /dev/kvm: the system file descriptor. Creates VMs; answers capability questions. Request numbers
 * are the x86-64 values of linux/kvm.h.
 */
public final class Kvm implements AutoCloseable {
  static final long GET_API_VERSION = 0xae00, CREATE_VM = 0xae01, CHECK_EXTENSION = 0xae03, GET_VCPU_MMAP_SIZE = 0xae04;
  static final long CREATE_VCPU = 0xae41, SET_USER_MEMORY_REGION = 0x4020ae46, SET_TSS_ADDR = 0xae47,
      SET_IDENTITY_MAP_ADDR = 0x4008ae48, CREATE_IRQCHIP = 0xae60, IRQ_LINE = 0x4008ae61, CREATE_PIT2 = 0x4040ae77,
      IRQFD = 0x4020ae76, IOEVENTFD = 0x4040ae79;
  static final long RUN = 0xae80, GET_REGS = 0x8090ae81, SET_REGS = 0x4090ae82, GET_SREGS = 0x8138ae83, SET_SREGS = 0x4138ae84,
      SET_CPUID2 = 0x4008ae90, GET_SUPPORTED_CPUID = 0xc008ae05, SET_MSRS = 0x4008ae89, GET_LAPIC = 0x8400ae8eL,
      SET_LAPIC = 0x4400ae8fL;

  public static final int CAP_IRQCHIP = 0, CAP_IRQFD = 0x20, CAP_IOEVENTFD = 0x24, CAP_NR_VCPUS = 9, CAP_MAX_VCPUS = 0x42;
  public static final String DEVICE = "/dev/kvm";

  private final int fd;
  private final int vcpuMmapSize;

  private Kvm(int fd, int vcpuMmapSize) {
    this.fd = fd;
    this.vcpuMmapSize = vcpuMmapSize;
  }

  /** Opens /dev/kvm and checks the API version is the stable one (12). */
  public static Kvm open() throws LinuxException, KvmException {
    int fd = Syscalls.open(DEVICE, Syscalls.O_RDWR | Syscalls.O_CLOEXEC);
    try {
      int version = Syscalls.ioctl(fd, GET_API_VERSION, 0, "KVM_GET_API_VERSION");
      if (version != 12) throw new KvmException("KVM API version " + version + " (want 12)");
      int size = Syscalls.ioctl(fd, GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
      return new Kvm(fd, size);
    } catch (LinuxException | KvmException e) {
      Syscalls.close(fd);
      throw e;
    }
  }

  /** KVM_CHECK_EXTENSION: 0 when absent, else a positive (sometimes meaningful) value. */
  public int check(int capability) throws LinuxException {
    return Syscalls.ioctl(fd, CHECK_EXTENSION, capability, "KVM_CHECK_EXTENSION");
  }

  public KvmVm createVm() throws LinuxException {
    int vm = Syscalls.ioctl(fd, CREATE_VM, 0, "KVM_CREATE_VM");
    return new KvmVm(this, vm);
  }

  int fd() {
    return fd;
  }

  int vcpuMmapSize() {
    return vcpuMmapSize;
  }

  /** Whether this host's KVM is the nested "kvm_pvm" module, which runs real/long mode test guests but not a stock Linux kernel. */
  public static boolean isPvm() {
    return java.nio.file.Files.isDirectory(java.nio.file.Path.of("/sys/module/kvm_pvm"));
  }

  @Override
  public void close() {
    Syscalls.close(fd);
  }
}
