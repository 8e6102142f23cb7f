package dockyard.hyperkit.memory;

import dockyard.hyperkit.kvm.KvmVm;
import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Guest RAM: anonymous host memory mapped into the VM. Below 4 GiB the RAM stops at 3 GiB, leaving
 * the PCI/MMIO hole (virtio-mmio at 0xd0000000, the APICs at 0xfec00000/0xfee00000); the rest is
 * placed from 4 GiB. Guest-physical ranges are checked: a device given an address the guest chose
 * never reaches outside RAM.
 */
public final class GuestMemory implements AutoCloseable {
  public static final long LOW_LIMIT = 0xC000_0000L;
  public static final long HIGH_START = 0x1_0000_0000L;

  private final MemorySegment host;
  private final long size;
  private final long low;

  private GuestMemory(MemorySegment host, long size) {
    this.host = host;
    this.size = size;
    this.low = Math.min(size, LOW_LIMIT);
  }

  /** Allocates {@code size} bytes (a multiple of 2 MiB, at least 2 MiB) and maps them into {@code vm}. */
  public static GuestMemory allocate(KvmVm vm, long size) throws LinuxException {
    if (size < (2 << 20) || size % (2 << 20) != 0) throw new IllegalArgumentException("memory must be a multiple of 2 MiB, got " + size);
    MemorySegment host = Syscalls.mmap(size, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
        Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS | Syscalls.MAP_NORESERVE, -1, 0, "mmap guest memory " + size);
    GuestMemory m = new GuestMemory(host, size);
    try {
      vm.setMemory(0, 0, host.asSlice(0, m.low));
      if (size > m.low) vm.setMemory(1, HIGH_START, host.asSlice(m.low));
    } catch (LinuxException e) {
      Syscalls.munmap(host);
      throw e;
    }
    return m;
  }

  public long size() {
    return size;
  }

  /** RAM below the hole (all of it for guests up to 3 GiB). */
  public long lowSize() {
    return low;
  }

  /** Whether [gpa, gpa+length) is RAM. */
  public boolean isRam(long gpa, long length) {
    if (length < 0) return false;
    if (gpa >= 0 && gpa + length <= low && gpa + length >= gpa) return true;
    return gpa >= HIGH_START && gpa - HIGH_START + length <= size - low;
  }

  /** The host view of [gpa, gpa+length); fails when any of it is not RAM. */
  public MemorySegment slice(long gpa, long length) {
    if (!isRam(gpa, length)) {
      throw new GuestMemoryException("guest address range 0x" + Long.toHexString(gpa) + "+" + length + " is not RAM");
    }
    long off = gpa < low ? gpa : gpa - HIGH_START + low;
    return host.asSlice(off, length);
  }

  public void write(long gpa, byte[] data) {
    MemorySegment.copy(data, 0, slice(gpa, data.length), ValueLayout.JAVA_BYTE, 0, data.length);
  }

  public byte[] read(long gpa, int length) {
    return slice(gpa, length).toArray(ValueLayout.JAVA_BYTE);
  }

  public long readLong(long gpa) {
    return slice(gpa, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
  }

  public void writeLong(long gpa, long v) {
    slice(gpa, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, v);
  }

  public int readInt(long gpa) {
    return slice(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
  }

  public void writeInt(long gpa, int v) {
    slice(gpa, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, v);
  }

  public int readShort(long gpa) {
    return Short.toUnsignedInt(slice(gpa, 2).get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
  }

  public void writeShort(long gpa, int v) {
    slice(gpa, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) v);
  }

  @Override
  public void close() {
    Syscalls.munmap(host);
  }
}
