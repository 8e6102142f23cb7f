package dockyard.hyperkit.virtio;

import java.security.SecureRandom;

/** virtio-rng (entropy, device 4): one request queue; each writable buffer is filled from SecureRandom. */
public final class VirtioRng implements VirtioDevice {
  private final SecureRandom random = new SecureRandom();
  private final DeviceWorker worker = new DeviceWorker("virtio-rng", e -> {});
  private volatile VirtioContext ctx;

  @Override public int deviceId() { return ID_ENTROPY; }
  @Override public long features() { return 0; }
  @Override public int queueCount() { return 1; }
  @Override public long readConfig(int offset, int size) { return 0; }

  @Override
  public void activate(VirtioContext context) {
    ctx = context;
  }

  @Override
  public void notify(int queue) {
    worker.serve(ctx, c -> {
      Virtqueue q = c.queue(0);
      return q.drain(chain -> {
        int total = 0;
        for (Virtqueue.Buffer b : chain.writable()) total += b.length();
        byte[] bytes = new byte[Math.min(total, 1 << 20)];
        random.nextBytes(bytes);
        return q.writeAll(chain, bytes, 0);
      });
    });
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
