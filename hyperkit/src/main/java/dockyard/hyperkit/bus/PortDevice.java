package dockyard.hyperkit.bus;

/**
 * A device on the x86 I/O port space. Called on the vCPU thread that exited: must not block on
 * host I/O (hand the work to the device's own thread).
 */
public interface PortDevice {
  /** {@code offset} is from the device's first port; {@code size} is 1, 2 or 4. */
  long in(int offset, int size);

  void out(int offset, int size, long value);
}
