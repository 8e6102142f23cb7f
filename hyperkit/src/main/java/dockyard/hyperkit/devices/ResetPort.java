package dockyard.hyperkit.devices;

import dockyard.hyperkit.bus.PortDevice;

/**
 * The i8042 keyboard controller as far as Linux needs it to reboot: status reads "empty", and
 * command 0xfe (pulse reset) ends the VM, which is how `reboot` (reboot=k) leaves a guest.
 */
public final class ResetPort implements PortDevice {
  public static final int BASE = 0x60, LENGTH = 5;
  private final Runnable reset;

  public ResetPort(Runnable reset) {
    this.reset = reset;
  }

  @Override
  public long in(int offset, int size) {
    return offset == 4 ? 0 : 0xff; // status: nothing to read, input buffer empty
  }

  @Override
  public void out(int offset, int size, long value) {
    if (offset == 4 && (value & 0xff) == 0xfe) reset.run();
  }
}
