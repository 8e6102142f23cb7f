package dockyard.hyperkit.virtio;

import dockyard.vpnkit.link.FrameLink;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * virtio-net (device 1) over a {@link FrameLink}: queue 0 receives, queue 1 transmits; each buffer
 * starts with the 12-byte virtio_net_hdr (num_buffers = 1; no offloads are offered). Received
 * frames wait in a bounded queue for the guest's buffers and are dropped when it is full, as a NIC
 * drops when its ring is. Transmission happens on the device's thread, never a vCPU's.
 */
public final class VirtioNet implements VirtioDevice {
  static final long F_MAC = 1L << 5;
  static final int HEADER = 12, PENDING = 256;

  private final FrameLink link;
  private final byte[] mac;
  private final DeviceWorker worker = new DeviceWorker("virtio-net", e -> {});
  private final BlockingQueue<byte[]> pending = new ArrayBlockingQueue<>(PENDING);
  private volatile VirtioContext ctx;
  private volatile long dropped;

  public VirtioNet(FrameLink link, byte[] mac) {
    if (mac.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes");
    this.link = link;
    this.mac = mac.clone();
    link.start(frame -> {
      if (!pending.offer(frame)) dropped++;
      notify(0);
    });
  }

  /** A locally administered MAC derived from {@code seed}. */
  public static byte[] mac(int seed) {
    return new byte[] {0x02, 0x44, 0x59, (byte) (seed >> 16), (byte) (seed >> 8), (byte) seed};
  }

  public long dropped() {
    return dropped;
  }

  @Override public int deviceId() { return ID_NET; }
  @Override public long features() { return F_MAC; }
  @Override public int queueCount() { return 2; }

  @Override
  public long readConfig(int offset, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      int at = offset + i;
      int b = at < 6 ? mac[at] & 0xff : at == 6 ? 1 : 0; // status (LINK_UP) follows the MAC
      v |= (long) b << (8 * i);
    }
    return v;
  }

  @Override
  public void activate(VirtioContext context) {
    ctx = context;
  }

  @Override
  public void notify(int queue) {
    worker.serve(ctx, c -> queue == 1 ? transmit(c) | receive(c) : receive(c));
  }

  private boolean transmit(VirtioContext c) {
    Virtqueue q = c.queue(1);
    return q.drain(chain -> {
      byte[] all = q.readAll(chain);
      if (all.length > HEADER) {
        try {
          link.send(java.util.Arrays.copyOfRange(all, HEADER, all.length));
        } catch (IOException e) {
          dropped++; // the link is down: the frame is lost, as on a wire
        }
      }
      return 0;
    });
  }

  private boolean receive(VirtioContext c) {
    Virtqueue q = c.queue(0);
    boolean any = false;
    while (!pending.isEmpty()) {
      Virtqueue.Chain chain = q.pop();
      if (chain == null) break; // the guest has no buffer posted: the frame waits
      byte[] frame = pending.poll();
      byte[] withHeader = new byte[HEADER + frame.length];
      withHeader[10] = 1; // num_buffers
      System.arraycopy(frame, 0, withHeader, HEADER, frame.length);
      int n = q.writeAll(chain, withHeader, 0);
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
    try {
      link.close();
    } catch (IOException e) {
      // closing a link that already failed
    }
  }
}
