package dockyard.hyperkit.boot;

import dockyard.hyperkit.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 64-bit entry as Firecracker does
 * it: the protected-mode kernel of a bzImage at 1 MiB, the initrd as high as the kernel allows, the
 * command line, and a zero page (boot_params) with the setup header copied in, an e820 map and the
 * loader fields; the vCPU enters at 1 MiB + 0x200 in long mode with RSI pointing at the zero page.
 */
public final class LinuxLoader {
  public static final long ZERO_PAGE = 0x7000, CMDLINE = 0x20000, KERNEL = 0x100000;
  private static final int E820_RAM = 1, E820_RESERVED = 2;

  public record Loaded(long entry, long zeroPage) {}

  private LinuxLoader() {}

  public static Loaded load(byte[] bzImage, byte[] initrd, String cmdline, GuestMemory mem) throws IOException {
    if (bzImage.length < 0x250) throw new IOException("kernel: too short to be a bzImage");
    ByteBuffer k = ByteBuffer.wrap(bzImage).order(ByteOrder.LITTLE_ENDIAN);
    if (k.getInt(0x202) != 0x53726448) throw new IOException("kernel: no \"HdrS\" setup header (not a bzImage)");
    int version = k.getShort(0x206) & 0xffff;
    if (version < 0x020c) throw new IOException("kernel: boot protocol " + Integer.toHexString(version) + " is too old for a 64-bit entry (need 2.12)");
    if ((k.get(0x236) & 1) == 0) throw new IOException("kernel: no 64-bit entry point (XLF_KERNEL_64 not set)");
    int setupSects = k.get(0x1f1) & 0xff;
    if (setupSects == 0) setupSects = 4;
    int pmOffset = (setupSects + 1) * 512;
    byte[] pm = java.util.Arrays.copyOfRange(bzImage, pmOffset, bzImage.length);
    mem.write(KERNEL, pm);

    byte[] cl = (cmdline + "\0").getBytes(StandardCharsets.US_ASCII);
    long cmdlineMax = k.getInt(0x238) & 0xffffffffL;
    if (cmdlineMax != 0 && cl.length - 1 > cmdlineMax) throw new IOException("kernel: command line longer than " + cmdlineMax + " bytes");
    mem.write(CMDLINE, cl);

    mem.slice(ZERO_PAGE, 4096).fill((byte) 0);
    int headerEnd = 0x202 + (k.get(0x201) & 0xff);
    byte[] header = java.util.Arrays.copyOfRange(bzImage, 0x1f1, headerEnd);
    mem.write(ZERO_PAGE + 0x1f1, header);
    mem.slice(ZERO_PAGE + 0x210, 1).fill((byte) 0xff); // type_of_loader: undefined
    int loadflags = (k.get(0x211) & 0xff) | 0x01 | 0x80; // LOADED_HIGH, CAN_USE_HEAP
    mem.slice(ZERO_PAGE + 0x211, 1).fill((byte) loadflags);
    mem.writeShort(ZERO_PAGE + 0x224, 0xfe00); // heap_end_ptr
    mem.writeInt(ZERO_PAGE + 0x228, (int) CMDLINE);
    if (initrd != null && initrd.length > 0) {
      long max = k.getInt(0x22c) & 0xffffffffL;
      long top = Math.min(max == 0 ? 0x37ffffffL : max, mem.lowSize() - 1);
      long at = (top + 1 - initrd.length) & ~0xfffL;
      if (at < KERNEL + pm.length) throw new IOException("initrd of " + initrd.length + " bytes does not fit below 0x" + Long.toHexString(top));
      mem.write(at, initrd);
      mem.writeInt(ZERO_PAGE + 0x218, (int) at);
      mem.writeInt(ZERO_PAGE + 0x21c, initrd.length);
    }
    // e820: conventional memory, the BIOS area reserved, RAM from 1 MiB, RAM above 4 GiB
    long[][] map = {{0, 0x9fc00, E820_RAM}, {0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED},
        {0x100000, mem.lowSize() - 0x100000, E820_RAM}, {GuestMemory.HIGH_START, mem.size() - mem.lowSize(), E820_RAM}};
    int n = 0;
    for (long[] e : map) {
      if (e[1] <= 0) continue;
      long at = ZERO_PAGE + 0x2d0 + n * 20L;
      mem.writeLong(at, e[0]);
      mem.writeLong(at + 8, e[1]);
      mem.writeInt(at + 16, (int) e[2]);
      n++;
    }
    mem.slice(ZERO_PAGE + 0x1e8, 1).fill((byte) n);
    return new Loaded(KERNEL + 0x200, ZERO_PAGE);
  }
}
