package dockyard.hyperkit.virtio;

import dockyard.hyperkit.devices.ConsoleOutput;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * virtio-console (device 3), one port without the multiport feature: queue 0 carries host input to
 * the guest, queue 1 the guest's output to a {@link ConsoleOutput} (Linux: /dev/hvc0, console=hvc0).
 */
public final class VirtioConsole implements VirtioDevice {
  private final ConsoleOutput out;
  private final DeviceWorker worker = new DeviceWorker("virtio-console", e -> {});
  private final ConcurrentLinkedQueue<byte[]> input = new ConcurrentLinkedQueue<>();
  private volatile VirtioContext ctx;

  public VirtioConsole(ConsoleOutput out) {
    this.out = out;
  }

  @Override public int deviceId() { return ID_CONSOLE; }
  @Override public long features() { return 0; }
  @Override public int queueCount() { return 2; }

  @Override
  public long readConfig(int offset, int size) {
    return switch (offset) {
      case 0 -> 80; // cols
      case 2 -> 25; // rows
      default -> 0;
    };
  }

  @Override
  public void activate(VirtioContext context) {
    ctx = context;
    notify(0);
  }

  /** Host-side bytes for the guest to read. */
  public void receive(byte[] data) {
    input.add(data);
    notify(0);
  }

  @Override
  public void notify(int queue) {
    worker.serve(ctx, c -> queue == 1 ? transmit(c) : deliver(c));
  }

  private boolean transmit(VirtioContext c) {
    Virtqueue q = c.queue(1);
    return q.drain(chain -> {
      out.write(q.readAll(chain));
      return 0;
    });
  }

  private boolean deliver(VirtioContext c) {
    Virtqueue q = c.queue(0);
    boolean any = false;
    while (!input.isEmpty()) {
      Virtqueue.Chain chain = q.pop();
      if (chain == null) break; // no buffer yet: stays queued until the guest posts one
      byte[] data = input.poll();
      int n = q.writeAll(chain, data, 0);
      if (n < data.length) input.add(java.util.Arrays.copyOfRange(data, n, data.length)); // rest later (order kept for one writer)
      q.push(chain.head(), n);
      any = true;
    }
    return any;
  }

  @Override
  public void reset() {
    ctx = null;
  }

  @Override
  public void close() {
    worker.close();
  }
}
