package dockyard.hyperkit;

import dockyard.hyperkit.bus.MmioDevice;
import dockyard.hyperkit.bus.PortDevice;
import java.util.concurrent.atomic.AtomicLong;

/** The contract's test devices: port 0x510 (reads give the last write + 1) and MMIO 0xfe000000. */
final class TestDevices {
  static final int PORT = 0x510;
  static final long MMIO = 0xfe00_0000L;
  static final long HYPER = 0x4859504552L;

  private TestDevices() {}

  static final class Port implements PortDevice {
    final AtomicLong last = new AtomicLong();
    final AtomicLong writes = new AtomicLong();

    @Override
    public long in(int offset, int size) {
      long mask = size == 4 ? 0xffffffffL : (1L << (8 * size)) - 1;
      return (last.get() + 1) & mask;
    }

    @Override
    public void out(int offset, int size, long value) {
      last.set(value);
      writes.incrementAndGet();
    }
  }

  static final class Mmio implements MmioDevice {
    final AtomicLong value = new AtomicLong();

    @Override
    public long read(long offset, int size) {
      long v = offset == 8 ? HYPER : offset == 0 ? value.get() : 0;
      return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    @Override
    public void write(long offset, int size, long v) {
      if (offset == 0) value.set(v);
    }
  }
}
