package dockyard.hyperkit.bench;

import dockyard.hyperkit.VirtualMachine;
import dockyard.hyperkit.VmExit;
import dockyard.hyperkit.bus.MmioDevice;
import dockyard.hyperkit.bus.PortDevice;
import dockyard.hyperkit.virtio.BlockBackend;
import dockyard.hyperkit.virtio.VirtioBlock;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * In-process numbers for bench/hyperkit.sh (HyperKit as a library: one JVM, many VMs):
 * {@code startup GUESTDIR N}: build + run of hello.elf64 N times; ms to the first serial byte and
 * to the guest's exit, median and p90. {@code exits GUESTDIR}: exits.elf64's 100000 port-I/O
 * round trips, in TSC cycles each (the guest measures). {@code blk GUESTDIR SECTORS}: virtio.elf64
 * writing then reading SECTORS sectors of a raw disk, wall time minus an empty run, as MiB/s.
 */
public final class HyperKitBench {
  private HyperKitBench() {}

  static final class Port implements PortDevice {
    long last;
    @Override public long in(int o, int s) { return (last + 1) & (s == 4 ? 0xffffffffL : (1L << (8 * s)) - 1); }
    @Override public void out(int o, int s, long v) { last = v; }
  }

  static final class Mmio implements MmioDevice {
    long v;
    @Override public long read(long o, int s) { long x = o == 8 ? 0x4859504552L : v; return s == 8 ? x : x & ((1L << (8 * s)) - 1); }
    @Override public void write(long o, int s, long x) { if (o == 0) v = x; }
  }

  /** A console that notes when its first byte arrived. */
  static final class FirstByte extends OutputStream {
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    volatile long first;
    @Override public synchronized void write(int b) { if (first == 0) first = System.nanoTime(); data.write(b); }
    @Override public synchronized void write(byte[] b, int off, int len) { if (first == 0) first = System.nanoTime(); data.write(b, off, len); }
  }

  static VirtualMachine.Builder vm(Path guest, OutputStream console) {
    return VirtualMachine.builder().kernel(guest).memory(64 << 20).console(console)
        .port(0x510, 1, new Port()).mmio(0xfe000000L, 0x1000, new Mmio());
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "startup" -> {
        int n = Integer.parseInt(args[2]);
        double[] first = new double[n], exit = new double[n];
        for (int i = -3; i < n; i++) { // three warm-up runs
          FirstByte out = new FirstByte();
          long t0 = System.nanoTime();
          VmExit e;
          try (VirtualMachine vm = vm(dir.resolve("hello.elf64"), out).build()) {
            e = vm.run();
          }
          long t1 = System.nanoTime();
          if (e.kind() != VmExit.Kind.EXITED || e.code() != 0) throw new AssertionError(e + " " + out.data);
          if (i >= 0) {
            first[i] = (out.first - t0) / 1e6;
            exit[i] = (t1 - t0) / 1e6;
          }
        }
        Arrays.sort(first);
        Arrays.sort(exit);
        System.out.printf("startup first-byte-ms median %.2f p90 %.2f; exit-ms median %.2f p90 %.2f (n=%d)%n",
            first[n / 2], first[n * 9 / 10], exit[n / 2], exit[n * 9 / 10], n);
      }
      case "exits" -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (VirtualMachine vm = vm(dir.resolve("exits.elf64"), out).build()) {
          long t0 = System.nanoTime();
          VmExit e = vm.run();
          long t1 = System.nanoTime();
          Matcher m = Pattern.compile("(\\d+) cycles each").matcher(out.toString());
          if (!m.find()) throw new AssertionError(e + " " + out);
          System.out.printf("exits cycles-each %s wall-ms %.1f%n", m.group(1), (t1 - t0) / 1e6);
        }
      }
      case "blk" -> {
        long sectors = Long.parseLong(args[2]);
        Path disk = Files.createTempFile("hyperkit-bench", ".img");
        try {
          Files.write(disk, new byte[(int) Math.max(1 << 20, (sectors + 8) * 512)]);
          double base = blkRun(dir, disk, 0), with = blkRun(dir, disk, sectors);
          double mib = sectors * 512.0 * 2 / (1 << 20);
          System.out.printf("blk sectors %d bytes-moved-MiB %.1f ms %.1f MiB/s %.1f%n", sectors, mib, with - base, mib / ((with - base) / 1000));
        } finally {
          Files.deleteIfExists(disk);
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static double blkRun(Path dir, Path disk, long sectors) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VirtualMachine vm = VirtualMachine.builder().kernel(dir.resolve("virtio.elf64")).memory(64 << 20).console(out)
        .virtio(new VirtioBlock(BlockBackend.raw(disk, false), "bench")).cmdline("test=blk blkloop=" + sectors + " timeout=600").build()) {
      long t0 = System.nanoTime();
      VmExit e = vm.run();
      long t1 = System.nanoTime();
      if (e.code() != 0) throw new AssertionError(e + " " + out);
      return (t1 - t0) / 1e6;
    }
  }
}
