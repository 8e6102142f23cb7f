package dockyard.hyperkit.bus;

/**
 * A device in guest-physical MMIO space. Called on the vCPU thread that exited: must not block on
 * host I/O (hand the work to the device's own thread).
 */
public interface MmioDevice {
  /** {@code offset} from the device's base; {@code size} is 1, 2, 4 or 8. */
  long read(long offset, int size);

  void write(long offset, int size, long value);
}
