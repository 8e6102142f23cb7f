package dockyard.hyperkit.virtio;

import dockyard.hyperkit.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * virtio-blk (device 2) over a {@link BlockBackend} (a raw file or a qcow2 image): IN, OUT, FLUSH
 * and GET_ID requests on one queue, served on the device's thread. A request past the end of the
 * disk or a write to a read-only disk gets IOERR; an unknown type UNSUPP.
 */
public final class VirtioBlock implements VirtioDevice {
  static final long F_RO = 1L << 5, F_BLK_SIZE = 1L << 6, F_FLUSH = 1L << 9;
  static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8;
  static final byte S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;

  private final BlockBackend disk;
  private final String id;
  private final DeviceWorker worker;
  private volatile VirtioContext ctx;

  public VirtioBlock(BlockBackend disk, String id) {
    this.disk = disk;
    this.id = id;
    this.worker = new DeviceWorker("virtio-blk", e -> {});
  }

  @Override public int deviceId() { return ID_BLOCK; }
  @Override public long features() { return F_FLUSH | F_BLK_SIZE | (disk.readOnly() ? F_RO : 0); }
  @Override public int queueCount() { return 1; }

  @Override
  public long readConfig(int offset, int size) {
    long sectors = disk.size() / 512;
    return switch (offset) {
      case 0 -> size == 8 ? sectors : sectors & 0xffffffffL;
      case 4 -> sectors >>> 32;
      case 20 -> 512; // blk_size
      default -> 0;
    };
  }

  @Override
  public void activate(VirtioContext context) {
    ctx = context;
  }

  @Override
  public void notify(int queue) {
    worker.serve(ctx, c -> c.queue(0).drain(chain -> serve(c.memory(), chain)));
  }

  /** Serves one request; returns the bytes written into the guest's buffers (data and status). */
  private int serve(GuestMemory mem, Virtqueue.Chain chain) {
    var bufs = chain.buffers();
    if (bufs.size() < 2 || bufs.getFirst().writable() || bufs.getFirst().length() < 16 || !bufs.getLast().writable() || bufs.getLast().length() < 1) {
      throw new IllegalArgumentException("malformed block request (needs a 16-byte header and a status byte)");
    }
    ByteBuffer h = ByteBuffer.wrap(mem.read(bufs.getFirst().address(), 16)).order(ByteOrder.LITTLE_ENDIAN);
    int type = h.getInt(0);
    long sector = h.getLong(8);
    var data = bufs.subList(1, bufs.size() - 1);
    long statusAt = bufs.getLast().address();
    byte status = S_OK;
    int written = 0;
    try {
      long pos = sector * 512;
      switch (type) {
        case T_IN -> {
          for (Virtqueue.Buffer b : data) {
            if (!b.writable()) { status = S_IOERR; break; }
            if (pos < 0 || pos + b.length() > disk.size()) { status = S_IOERR; break; }
            disk.read(pos, mem.slice(b.address(), b.length()).asByteBuffer());
            pos += b.length();
            written += b.length();
          }
        }
        case T_OUT -> {
          if (disk.readOnly()) {
            status = S_IOERR;
          } else {
            for (Virtqueue.Buffer b : data) {
              if (b.writable() || pos < 0 || pos + b.length() > disk.size()) { status = S_IOERR; break; }
              disk.write(pos, mem.slice(b.address(), b.length()).asByteBuffer());
              pos += b.length();
            }
          }
        }
        case T_FLUSH -> disk.flush();
        case T_GET_ID -> {
          byte[] idBytes = java.util.Arrays.copyOf(id.getBytes(StandardCharsets.US_ASCII), 20);
          if (!data.isEmpty() && data.getFirst().writable()) {
            int n = Math.min(20, data.getFirst().length());
            mem.write(data.getFirst().address(), java.util.Arrays.copyOf(idBytes, n));
            written += n;
          }
        }
        default -> status = S_UNSUPP;
      }
    } catch (IOException e) {
      status = S_IOERR;
    }
    mem.slice(statusAt, 1).fill(status);
    return written + 1;
  }

  @Override
  public void reset() {
    ctx = null;
  }

  @Override
  public void close() {
    worker.close();
    try {
      disk.close();
    } catch (IOException e) {
      // nothing left to write: flushes went through the guest's FLUSH requests
    }
  }
}
