package dockyard.hyperkit.devices;

import dockyard.hyperkit.bus.PortDevice;
import java.util.function.IntConsumer;

/** qemu's isa-debug-exit idea at port 0xf4: a byte written there ends the VM with that status. */
public final class ExitPort implements PortDevice {
  public static final int PORT = 0xf4;
  private final IntConsumer exit;

  public ExitPort(IntConsumer exit) {
    this.exit = exit;
  }

  @Override
  public long in(int offset, int size) {
    return 0xffffffffL;
  }

  @Override
  public void out(int offset, int size, long value) {
    exit.accept((int) value & 0xff);
  }
}
