package dockyard.hyperkit.boot;

import dockyard.hyperkit.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Loads an ELF executable (64-bit x86-64 or 32-bit i386) by its PT_LOAD program headers at their
 * physical addresses; bss is zeroed. Returns the entry point and which mode it needs.
 */
public final class ElfLoader {
  public record Loaded(long entry, CpuMode mode, long end) {}

  private ElfLoader() {}

  public static boolean isElf(byte[] image) {
    return image.length > 52 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
  }

  public static Loaded load(byte[] image, GuestMemory mem, String name) throws IOException {
    if (!isElf(image)) throw new IOException(name + ": not an ELF file");
    ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    boolean is64 = image[4] == 2;
    if (image[5] != 1) throw new IOException(name + ": not little-endian");
    int machine = b.getShort(18) & 0xffff;
    if (is64 ? machine != 62 : machine != 3) throw new IOException(name + ": not an x86 executable (e_machine " + machine + ")");
    long entry = is64 ? b.getLong(24) : b.getInt(24) & 0xffffffffL;
    long phoff = is64 ? b.getLong(32) : b.getInt(28) & 0xffffffffL;
    int phentsize = b.getShort(is64 ? 54 : 42) & 0xffff;
    int phnum = b.getShort(is64 ? 56 : 44) & 0xffff;
    long end = 0;
    for (int i = 0; i < phnum; i++) {
      int p = (int) (phoff + (long) i * phentsize);
      if (p + phentsize > image.length) throw new IOException(name + ": program header " + i + " past the end of the file");
      if (b.getInt(p) != 1) continue; // PT_LOAD
      long offset = is64 ? b.getLong(p + 8) : b.getInt(p + 4) & 0xffffffffL;
      long paddr = is64 ? b.getLong(p + 24) : b.getInt(p + 12) & 0xffffffffL;
      long filesz = is64 ? b.getLong(p + 32) : b.getInt(p + 16) & 0xffffffffL;
      long memsz = is64 ? b.getLong(p + 40) : b.getInt(p + 20) & 0xffffffffL;
      if (offset + filesz > image.length || filesz > memsz) throw new IOException(name + ": segment " + i + " is malformed");
      if (!mem.isRam(paddr, memsz)) throw new IOException(name + ": segment " + i + " at 0x" + Long.toHexString(paddr) + " does not fit in guest RAM");
      mem.slice(paddr, memsz).fill((byte) 0);
      byte[] data = java.util.Arrays.copyOfRange(image, (int) offset, (int) (offset + filesz));
      mem.write(paddr, data);
      end = Math.max(end, paddr + memsz);
    }
    return new Loaded(entry, is64 ? CpuMode.LONG : CpuMode.PROTECTED, end);
  }
}
