package dockyard.hyperkit.virtio;

/**
 * One virtio device behind a transport (virtio-mmio here). The transport handles feature
 * negotiation, status and queue setup; the device gets its queues when the driver is ready and is
 * told of notifications. {@link #notify} runs on a vCPU thread: it only hands work to the
 * device's own thread, never does host I/O itself.
 */
public interface VirtioDevice extends AutoCloseable {
  int ID_NET = 1, ID_BLOCK = 2, ID_CONSOLE = 3, ID_ENTROPY = 4, ID_9P = 9, ID_VSOCK = 19;

  int deviceId();

  /** Device feature bits (VIRTIO_F_VERSION_1, bit 32, is added by the transport). */
  long features();

  int queueCount();

  default int queueMaxSize() {
    return 256;
  }

  /** Config space read (offset from 0x100 of the MMIO window). */
  long readConfig(int offset, int size);

  default void writeConfig(int offset, int size, long value) {}

  /** The driver set DRIVER_OK: the queues are usable. */
  void activate(VirtioContext context);

  /** The driver notified queue {@code queue}. Must not block. */
  void notify(int queue);

  /** The driver reset the device (status 0): forget the queues, stop work in flight. */
  void reset();

  @Override
  default void close() {}
}
