package dockyard.hyperkit.bus;

import java.util.Map;
import java.util.TreeMap;

/**
 * Address ranges to devices (ports or MMIO): non-overlapping, found by a floor lookup. Built before
 * the vCPUs start and read-only after, so vCPU threads share it without locks.
 */
public final class Bus<D> {
  public record Range<D>(long base, long length, D device) {}

  private final TreeMap<Long, Range<D>> ranges = new TreeMap<>();
  private final String name;

  public Bus(String name) {
    this.name = name;
  }

  public void add(long base, long length, D device) {
    Map.Entry<Long, Range<D>> below = ranges.floorEntry(base + length - 1);
    if (below != null && below.getValue().base() + below.getValue().length() > base) {
      throw new IllegalArgumentException(name + " range 0x" + Long.toHexString(base) + "+0x" + Long.toHexString(length)
          + " overlaps 0x" + Long.toHexString(below.getKey()));
    }
    ranges.put(base, new Range<>(base, length, device));
  }

  /** The range holding {@code address}, or null. */
  public Range<D> find(long address) {
    Map.Entry<Long, Range<D>> e = ranges.floorEntry(address);
    if (e == null) return null;
    Range<D> r = e.getValue();
    return address < r.base() + r.length() ? r : null;
  }
}
