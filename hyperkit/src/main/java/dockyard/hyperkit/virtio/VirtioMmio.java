package dockyard.hyperkit.virtio;

import dockyard.hyperkit.bus.MmioDevice;
import dockyard.hyperkit.memory.GuestMemory;
import java.util.function.Consumer;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2): a 4 KiB register window per device,
 * config space from 0x100. Linux finds it from {@code virtio_mmio.device=4K@ADDR:IRQ} on the
 * command line. Register access comes from vCPU threads and is serialised on this object.
 */
public final class VirtioMmio implements MmioDevice, VirtioContext {
  public static final long SIZE = 0x1000;
  public static final long F_VERSION_1 = 1L << 32;
  static final int MAGIC = 0x74726976, VENDOR = 0x4b595244; // "DRYK"
  static final int S_ACKNOWLEDGE = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 64, S_FAILED = 128;

  private final VirtioDevice device;
  private final GuestMemory mem;
  private final Runnable raiseIrq;
  private final Consumer<String> warn;
  private final Virtqueue[] queues;
  private int status, queueSel, deviceFeaturesSel, driverFeaturesSel, interruptStatus, configGeneration;
  private long driverFeatures;
  private boolean active;

  public VirtioMmio(VirtioDevice device, GuestMemory mem, Runnable raiseIrq, Consumer<String> warn) {
    this.device = device;
    this.mem = mem;
    this.raiseIrq = raiseIrq;
    this.warn = warn;
    this.queues = new Virtqueue[device.queueCount()];
    for (int i = 0; i < queues.length; i++) queues[i] = new Virtqueue(mem, device.queueMaxSize());
  }

  public VirtioDevice device() {
    return device;
  }

  private long allFeatures() {
    return device.features() | F_VERSION_1;
  }

  @Override
  public synchronized long read(long offset, int size) {
    if (offset >= 0x100) return device.readConfig((int) (offset - 0x100), size);
    Virtqueue q = queueSel < queues.length ? queues[queueSel] : null;
    return switch ((int) offset) {
      case 0x000 -> MAGIC;
      case 0x004 -> 2;
      case 0x008 -> device.deviceId();
      case 0x00c -> VENDOR;
      case 0x010 -> deviceFeaturesSel == 0 ? allFeatures() & 0xffffffffL : deviceFeaturesSel == 1 ? allFeatures() >>> 32 : 0;
      case 0x034 -> q == null ? 0 : q.maxSize();
      case 0x044 -> q != null && q.ready ? 1 : 0;
      case 0x060 -> interruptStatus;
      case 0x070 -> status;
      case 0x0fc -> configGeneration;
      default -> 0;
    };
  }

  @Override
  public synchronized void write(long offset, int size, long value) {
    if (offset >= 0x100) {
      device.writeConfig((int) (offset - 0x100), size, value);
      return;
    }
    int v = (int) value;
    Virtqueue q = queueSel < queues.length ? queues[queueSel] : null;
    switch ((int) offset) {
      case 0x014 -> deviceFeaturesSel = v;
      case 0x020 -> {
        if (driverFeaturesSel == 0) driverFeatures = (driverFeatures & ~0xffffffffL) | (value & 0xffffffffL);
        else if (driverFeaturesSel == 1) driverFeatures = (driverFeatures & 0xffffffffL) | ((value & 0xffffffffL) << 32);
      }
      case 0x024 -> driverFeaturesSel = v;
      case 0x030 -> queueSel = v;
      case 0x038 -> {
        if (q != null && v > 0 && v <= q.maxSize() && Integer.bitCount(v) == 1) q.size = v;
        else if (q != null) fail("queue size " + v + " for queue " + queueSel + " (max " + q.maxSize() + ", a power of two)");
      }
      case 0x044 -> {
        if (q != null) q.ready = v == 1;
      }
      case 0x050 -> {
        if (active && v >= 0 && v < queues.length) device.notify(v);
      }
      case 0x064 -> interruptStatus &= ~v;
      case 0x070 -> setStatus(v);
      case 0x080 -> { if (q != null) q.desc = low(q.desc, value); }
      case 0x084 -> { if (q != null) q.desc = high(q.desc, value); }
      case 0x090 -> { if (q != null) q.avail = low(q.avail, value); }
      case 0x094 -> { if (q != null) q.avail = high(q.avail, value); }
      case 0x0a0 -> { if (q != null) q.used = low(q.used, value); }
      case 0x0a4 -> { if (q != null) q.used = high(q.used, value); }
      default -> { } // read-only registers
    }
  }

  private static long low(long old, long v) {
    return (old & ~0xffffffffL) | (v & 0xffffffffL);
  }

  private static long high(long old, long v) {
    return (old & 0xffffffffL) | ((v & 0xffffffffL) << 32);
  }

  private void setStatus(int v) {
    if (v == 0) {
      if (active) device.reset();
      active = false;
      status = 0;
      interruptStatus = 0;
      driverFeatures = 0;
      queueSel = 0;
      for (Virtqueue q : queues) q.reset();
      return;
    }
    if ((v & S_FEATURES_OK) != 0 && (status & S_FEATURES_OK) == 0) {
      long unknown = driverFeatures & ~allFeatures();
      if (unknown != 0 || (driverFeatures & F_VERSION_1) == 0) {
        // leaving FEATURES_OK clear tells the driver its choice was refused (3.1.1 step 6)
        warn.accept("virtio " + device.deviceId() + ": refused driver features 0x" + Long.toHexString(driverFeatures));
        status = v & ~S_FEATURES_OK;
        return;
      }
    }
    status = v;
    if ((v & S_DRIVER_OK) != 0 && !active && (v & S_FAILED) == 0) {
      for (int i = 0; i < queues.length; i++) {
        Virtqueue q = queues[i];
        if (q.ready && !(mem.isRam(q.desc, 16L * q.size) && mem.isRam(q.avail, 6 + 2L * q.size) && mem.isRam(q.used, 6 + 8L * q.size))) {
          fail("queue " + i + " rings are not in RAM");
          return;
        }
      }
      active = true;
      device.activate(this);
    }
  }

  /** A notify that arrived through an ioeventfd (the guest's write to QueueNotify never exited). */
  public synchronized void queueNotified(int queue) {
    if (active && queue >= 0 && queue < queues.length) device.notify(queue);
  }

  public int queueCount() {
    return queues.length;
  }

  // ---- VirtioContext

  @Override
  public Virtqueue queue(int index) {
    return queues[index];
  }

  @Override
  public GuestMemory memory() {
    return mem;
  }

  @Override
  public synchronized long driverFeatures() {
    return driverFeatures;
  }

  @Override
  public void usedBuffers() {
    synchronized (this) {
      interruptStatus |= 1;
    }
    raiseIrq.run();
  }

  @Override
  public void configChanged() {
    synchronized (this) {
      interruptStatus |= 2;
      configGeneration++;
    }
    raiseIrq.run();
  }

  @Override
  public void fail(String why) {
    synchronized (this) {
      status |= S_NEEDS_RESET;
      active = false;
    }
    warn.accept("virtio " + device.deviceId() + ": " + why + "; device needs reset");
    configChanged();
  }
}
