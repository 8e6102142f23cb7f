package dockyard.linuxkit.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BIOS-bootable images around a kernel, initrd and command line, as LinuxKit's mkimage-iso-bios and
 * mkimage-raw-bios make them: an isolinux El Torito ISO (isohybrid, so it also boots as a disk), and
 * a disk with an MBR and one FAT32 partition booted by syslinux. Built from files only (xorriso,
 * mkfs.vfat, mtools, syslinux; no loop mounts, no root) with fixed dates, volume ids and disk id, so
 * equal inputs give equal bytes.
 */
public final class BootImages {
  static final String ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
  static final String ISOHDPFX = "/usr/lib/ISOLINUX/isohdpfx.bin";
  static final String LDLINUX_C32 = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
  static final String MBR_BIN = "/usr/lib/syslinux/mbr/mbr.bin";
  /** FAT cannot hold dates before 1980, so the raw image uses 1980-01-01; the ISO uses the epoch. */
  static final long FAT_EPOCH = 315532800L;
  static final int VOLUME_ID = 0x4c4b4954; // "LKIT"

  private BootImages() {}

  static String syslinuxConfig(String cmdline) {
    String c = cmdline.replace('\n', ' ').strip();
    return "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /kernel\n  INITRD /initrd.img\n  APPEND " + c + "\n";
  }

  public static void iso(Path kernel, Path initrd, String cmdline, Path output, Path work) throws IOException {
    Tools.require("xorriso", "xorriso", "iso-bios");
    Tools.require(ISOLINUX_BIN, "isolinux", "iso-bios");
    Tools.require(LDLINUX_C32, "syslinux-common", "iso-bios");
    Path stage = Files.createDirectories(work.resolve("iso"));
    Path iso = Files.createDirectories(stage.resolve("isolinux"));
    Files.copy(Path.of(ISOLINUX_BIN), iso.resolve("isolinux.bin"));
    Files.copy(Path.of(LDLINUX_C32), iso.resolve("ldlinux.c32"));
    Files.copy(kernel, stage.resolve("kernel"));
    Files.copy(initrd, stage.resolve("initrd.img"));
    Files.writeString(iso.resolve("isolinux.cfg"), syslinuxConfig(cmdline));
    for (Path p : List.of(iso.resolve("isolinux.bin"), iso.resolve("ldlinux.c32"), iso.resolve("isolinux.cfg"), stage.resolve("kernel"), stage.resolve("initrd.img"), iso, stage)) {
      Files.setAttribute(p, "unix:mode", Files.isDirectory(p) ? 0755 : 0644);
      Files.setLastModifiedTime(p, FileTime.fromMillis(0));
    }
    Files.deleteIfExists(output);
    Tools.run(List.of("xorriso", "-as", "mkisofs", "-o", output.toString(), "-V", "LINUXKIT", "-volset", "LINUXKIT",
        "-publisher", "", "-preparer", "", "-appid", "", "-sysid", "LINUX", "-r", "-J", "-l",
        "--modification-date=1970010100000000", "-isohybrid-mbr", ISOHDPFX, "-c", "isolinux/boot.cat",
        "-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", stage.toString()),
        Map.of("SOURCE_DATE_EPOCH", "0"), null);
  }

  /** @param sizeMiB the disk size, or 0 for kernel+initrd plus 32 MiB (at least 64 MiB: FAT32 needs 65525 clusters) */
  public static void raw(Path kernel, Path initrd, String cmdline, Path output, Path work, long sizeMiB) throws IOException {
    Tools.require("mkfs.vfat", "dosfstools", "raw-bios");
    Tools.require("mcopy", "mtools", "raw-bios");
    Tools.require("syslinux", "syslinux", "raw-bios");
    Tools.require(MBR_BIN, "syslinux", "raw-bios");
    long size = sizeMiB > 0 ? sizeMiB : Math.max(64, (Files.size(kernel) + Files.size(initrd) + (1 << 20) - 1) / (1 << 20) + 32);
    if (size < 40) throw new IOException("raw-bios: disk size " + size + " MiB is too small for FAT32 (at least 40 MiB)");
    long partStart = 2048, partSectors = (size - 1) * 2048;
    Path stage = Files.createDirectories(work.resolve("raw"));
    Files.writeString(stage.resolve("syslinux.cfg"), syslinuxConfig(cmdline));
    Files.copy(kernel, stage.resolve("kernel"));
    Files.copy(initrd, stage.resolve("initrd.img"));
    for (String f : List.of("syslinux.cfg", "kernel", "initrd.img")) Files.setLastModifiedTime(stage.resolve(f), FileTime.fromMillis(FAT_EPOCH * 1000));
    Path part = stage.resolve("part.img");
    try (FileChannel c = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      c.truncate(partSectors * 512);
      c.write(ByteBuffer.allocate(1), partSectors * 512 - 1); // sparse, full length
    }
    Map<String, String> env = Map.of("SOURCE_DATE_EPOCH", Long.toString(FAT_EPOCH), "MTOOLS_SKIP_CHECK", "1");
    Tools.run(List.of("mkfs.vfat", "-F", "32", "--invariant", "-i", Integer.toHexString(VOLUME_ID).toUpperCase(), "-n", "LINUXKIT",
        "-h", Long.toString(partStart), part.toString()), env, null);
    List<String> mcopy = new ArrayList<>(List.of("mcopy", "-m", "-i", part.toString()));
    for (String f : List.of("syslinux.cfg", "kernel", "initrd.img")) mcopy.add(stage.resolve(f).toString());
    mcopy.add("::/");
    Tools.run(mcopy, env, null);
    Tools.run(List.of("syslinux", "--install", part.toString()), env, null);

    Files.deleteIfExists(output);
    try (FileChannel out = FileChannel.open(output, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
         FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
      ByteBuffer mbr = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
      byte[] code = Files.readAllBytes(Path.of(MBR_BIN));
      mbr.put(code, 0, Math.min(code.length, 440));
      mbr.putInt(440, VOLUME_ID); // disk signature: fixed, so the image is reproducible
      int e = 446;
      mbr.put(e, (byte) 0x80); // bootable
      chs(mbr, e + 1, partStart);
      mbr.put(e + 4, (byte) 0x0c); // FAT32 (LBA)
      chs(mbr, e + 5, partStart + partSectors - 1);
      mbr.putInt(e + 8, (int) partStart);
      mbr.putInt(e + 12, (int) partSectors);
      mbr.put(510, (byte) 0x55).put(511, (byte) 0xaa);
      out.write(mbr.rewind(), 0);
      long pos = 0, n = in.size();
      while (pos < n) pos += in.transferTo(pos, n - pos, out.position(partStart * 512 + pos));
      out.truncate(size << 20);
      if (out.size() < size << 20) out.write(ByteBuffer.allocate(1), (size << 20) - 1);
    }
  }

  /** The CHS address of an LBA sector with 255 heads and 63 sectors a track; past cylinder 1023 the maximum, as sfdisk writes it. */
  private static void chs(ByteBuffer b, int at, long lba) {
    long cyl = lba / (255 * 63), head = (lba / 63) % 255, sec = lba % 63 + 1;
    if (cyl > 1023) {
      cyl = 1023;
      head = 254;
      sec = 63;
    }
    b.put(at, (byte) head);
    b.put(at + 1, (byte) ((sec & 0x3f) | ((cyl >> 2) & 0xc0)));
    b.put(at + 2, (byte) (cyl & 0xff));
  }
}
