package dockyard.hyperkit.virtio;

import dockyard.hyperkit.memory.GuestMemory;
import dockyard.hyperkit.memory.GuestMemoryException;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A split virtqueue (virtio 1.x, 2.7): the descriptor table, the driver's available ring and the
 * device's used ring, all in guest memory at addresses the driver chose. Every address and length
 * the guest gives is checked against RAM and every chain against the queue size, so a hostile
 * driver gets an error, never a host access outside its memory.
 */
public final class Virtqueue {
  static final int DESC_NEXT = 1, DESC_WRITE = 2, DESC_INDIRECT = 4;

  /** One buffer of a chain: guest-physical address, length, and whether the device writes it. */
  public record Buffer(long address, int length, boolean writable) {}

  /** A descriptor chain popped from the available ring; give it back with {@link #push}. */
  public record Chain(int head, List<Buffer> buffers) {
    public List<Buffer> readable() {
      return buffers.stream().filter(b -> !b.writable()).toList();
    }

    public List<Buffer> writable() {
      return buffers.stream().filter(Buffer::writable).toList();
    }
  }

  private final GuestMemory mem;
  private final int maxSize;
  int size;
  long desc, avail, used;
  boolean ready;
  private int lastAvail;
  private int usedIdx;

  public Virtqueue(GuestMemory mem, int maxSize) {
    this.mem = mem;
    this.maxSize = maxSize;
    this.size = maxSize;
  }

  public int maxSize() {
    return maxSize;
  }

  public synchronized boolean isReady() {
    return ready;
  }

  synchronized void reset() {
    size = maxSize;
    desc = avail = used = 0;
    ready = false;
    lastAvail = usedIdx = 0;
  }

  /** The next chain the driver made available, or null when there is none. */
  public synchronized Chain pop() {
    if (!ready) return null;
    int availIdx = mem.readShort(avail + 2);
    VarHandle.acquireFence(); // ring entries are read after the index that published them
    if (availIdx == (lastAvail & 0xffff)) return null;
    int head = mem.readShort(avail + 4 + 2L * (lastAvail % size));
    lastAvail++;
    return new Chain(head, walk(head));
  }

  private List<Buffer> walk(int head) {
    List<Buffer> out = new ArrayList<>();
    long table = desc;
    int tableSize = size;
    int i = head;
    boolean indirect = false;
    for (int seen = 0; ; seen++) {
      if (i >= tableSize) throw new GuestMemoryException("descriptor index " + i + " outside a table of " + tableSize);
      if (seen >= tableSize) throw new GuestMemoryException("descriptor chain loops (longer than its table of " + tableSize + ")");
      long d = table + 16L * i;
      long addr = mem.readLong(d);
      int len = mem.readInt(d + 8);
      int flags = mem.readShort(d + 12);
      int next = mem.readShort(d + 14);
      if ((flags & DESC_INDIRECT) != 0) {
        if (indirect) throw new GuestMemoryException("nested indirect descriptor table");
        if (len % 16 != 0 || len == 0) throw new GuestMemoryException("indirect table of " + len + " bytes");
        table = addr;
        tableSize = len / 16;
        i = 0;
        seen = -1;
        indirect = true;
        mem.slice(table, len); // checks it is RAM
        continue;
      }
      long l = Integer.toUnsignedLong(len);
      mem.slice(addr, l); // every buffer must be RAM
      out.add(new Buffer(addr, len, (flags & DESC_WRITE) != 0));
      if ((flags & DESC_NEXT) == 0) return out;
      i = next;
    }
  }

  /** Serves every available chain: {@code serve} returns the bytes it wrote; true when there was any. */
  public boolean drain(java.util.function.ToIntFunction<Chain> serve) {
    boolean any = false;
    for (Chain c; (c = pop()) != null; ) {
      push(c.head(), serve.applyAsInt(c));
      any = true;
    }
    return any;
  }

  /** Returns chain {@code head} to the driver with {@code written} bytes written into it. */
  public synchronized void push(int head, int written) {
    long e = used + 4 + 8L * (usedIdx % size);
    mem.writeInt(e, head);
    mem.writeInt(e + 4, written);
    usedIdx++;
    VarHandle.releaseFence(); // the entry is visible before the index that publishes it
    mem.writeShort(used + 2, usedIdx & 0xffff);
    VarHandle.fullFence();
  }

  /** Copies the chain's readable buffers out, in order. */
  public byte[] readAll(Chain c) {
    int total = 0;
    for (Buffer b : c.readable()) total += b.length();
    byte[] out = new byte[total];
    int at = 0;
    for (Buffer b : c.readable()) {
      System.arraycopy(mem.read(b.address(), b.length()), 0, out, at, b.length());
      at += b.length();
    }
    return out;
  }

  /** Fills the chain's writable buffers with {@code data} from its start; returns how much fitted. */
  public int writeAll(Chain c, byte[] data, int from) {
    int at = from;
    for (Buffer b : c.writable()) {
      if (at >= data.length) break;
      int n = Math.min(b.length(), data.length - at);
      mem.write(b.address(), java.util.Arrays.copyOfRange(data, at, at + n));
      at += n;
    }
    return at - from;
  }
}
