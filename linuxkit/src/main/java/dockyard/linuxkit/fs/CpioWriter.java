package dockyard.linuxkit.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The "newc" cpio format the kernel unpacks as an initramfs (Documentation/driver-api/early-userspace/
 * buffer-format.rst): a 110-byte ASCII header of hex fields, the NUL-terminated name, the data, each
 * padded to 4 bytes, ended by a TRAILER!!! entry. Every entry has mtime 0 and its own inode number,
 * counted from 1 in write order, so the archive depends only on the entries.
 */
public final class CpioWriter {
  private static final int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000, S_IFCHR = 0020000,
      S_IFBLK = 0060000, S_IFIFO = 0010000;

  private final OutputStream out;
  private long offset;
  private long inode = 1;

  public CpioWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes {@code tree}'s entries whose path passes {@code include}, in the tree's order. */
  public void writeAll(FsTree tree, java.util.function.Predicate<String> include) throws IOException {
    for (var e : tree.entries().entrySet()) {
      if (include.test(e.getKey())) write(e.getKey(), e.getValue());
    }
  }

  public void write(String path, FsTree.Node node) throws IOException {
    switch (node) {
      case FsTree.Dir d -> header(path, S_IFDIR | d.mode(), d.uid(), d.gid(), 2, 0, 0, 0);
      case FsTree.File f -> {
        long size = f.content().size();
        header(path, S_IFREG | f.mode(), f.uid(), f.gid(), 1, size, 0, 0);
        try (InputStream in = f.content().open()) {
          long n = in.transferTo(out);
          if (n != size) throw new IOException(path + ": file changed size while being archived (" + size + " then " + n + ")");
        }
        offset += size;
        pad();
      }
      case FsTree.Symlink s -> {
        byte[] target = s.target().getBytes(StandardCharsets.UTF_8);
        header(path, S_IFLNK | 0777, s.uid(), s.gid(), 1, target.length, 0, 0);
        out.write(target);
        offset += target.length;
        pad();
      }
      case FsTree.Special sp -> {
        int type = switch (sp.type()) {
          case 'c' -> S_IFCHR;
          case 'b' -> S_IFBLK;
          default -> S_IFIFO;
        };
        header(path, type | sp.mode(), sp.uid(), sp.gid(), 1, 0, sp.major(), sp.minor());
      }
    }
  }

  /** Ends the archive (the trailer, padded to a 512-byte block as GNU cpio does); does not close the stream. */
  public void finish() throws IOException {
    inode = 0;
    header("TRAILER!!!", 0, 0, 0, 1, 0, 0, 0);
    long rest = (512 - offset % 512) % 512;
    out.write(new byte[(int) rest]);
    offset += rest;
    out.flush();
  }

  private void header(String name, int mode, long uid, long gid, int nlink, long size, int rmajor, int rminor) throws IOException {
    if (size > 0xffffffffL) throw new IOException(name + ": " + size + " bytes is too big for a cpio entry (4 GiB at most)");
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    StringBuilder h = new StringBuilder(110);
    h.append("070701");
    hex(h, inode == 0 ? 0 : inode++);
    hex(h, mode);
    hex(h, uid);
    hex(h, gid);
    hex(h, nlink);
    hex(h, 0); // mtime
    hex(h, size);
    hex(h, 0); // devmajor
    hex(h, 0); // devminor
    hex(h, rmajor);
    hex(h, rminor);
    hex(h, n.length + 1);
    hex(h, 0); // check
    out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(n);
    out.write(0);
    offset += 110 + n.length + 1;
    pad();
  }

  private static void hex(StringBuilder h, long v) {
    String s = Long.toHexString(v & 0xffffffffL);
    h.append("00000000", s.length(), 8).append(s);
  }

  private void pad() throws IOException {
    int p = (int) ((4 - offset % 4) % 4);
    if (p > 0) {
      out.write(new byte[p]);
      offset += p;
    }
  }
}
