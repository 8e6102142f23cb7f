package dockyard.hyperkit.virtio;

import dockyard.hyperkit.memory.GuestMemory;

/** What an active device may use: its queues, guest memory, the negotiated features, the interrupt. */
public interface VirtioContext {
  Virtqueue queue(int index);

  GuestMemory memory();

  long driverFeatures();

  /** Marks "used buffer" and raises the device's interrupt line. */
  void usedBuffers();

  /** Marks "configuration changed" and raises the interrupt. */
  void configChanged();

  /** Reports a broken driver (a bad descriptor): the device sets DEVICE_NEEDS_RESET and stops. */
  void fail(String why);
}
