package dockyard.oci.testing;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.Digest;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.testing.RandomTree.Item;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/** Compares an extracted tree with the archive entries it came from. */
public final class OnDisk {
  private OnDisk() {}

  /** Checks that {@code i} was extracted faithfully under {@code root}. */
  public static void check(Path root, Item i, boolean owners, boolean checkTimes, boolean gnuExtracted) throws IOException {
    TarEntry e = i.entry();
    Path p = root.resolve(e.name());
    String what = e.name();
    Map<String, Object> attrs = Files.readAttributes(p, "unix:mode,uid,gid,rdev,lastModifiedTime,ino", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) attrs.get("mode");
    int fileType = mode & 0170000;
    switch (e.type()) {
      case DIRECTORY -> assertEquals(0040000, fileType, what);
      case REGULAR -> {
        assertEquals(0100000, fileType, what);
        assertEquals(Digest.sha256(i.data()), Digest.sha256(Files.readAllBytes(p)), what);
      }
      case SYMLINK -> {
        assertEquals(0120000, fileType, what);
        assertEquals(e.linkName(), Files.readSymbolicLink(p).toString(), what);
      }
      case HARDLINK -> assertEquals(Files.readAttributes(root.resolve(e.linkName()), "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino"), attrs.get("ino"), what);
      case FIFO -> assertEquals(0010000, fileType, what);
      case CHAR_DEVICE, BLOCK_DEVICE -> {
        assertEquals(e.type() == TarEntry.Type.CHAR_DEVICE ? 0020000 : 0060000, fileType, what);
        long rdev = (Long) attrs.get("rdev");
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        assertEquals(e.devMajor(), major, what);
        assertEquals(e.devMinor(), minor, what);
      }
    }
    if (e.type() == TarEntry.Type.SYMLINK || e.type() == TarEntry.Type.HARDLINK) return;
    int actual = mode & 07777;
    // Linux gives a directory made in a set-group-ID directory that bit too, and GNU tar leaves it
    if (gnuExtracted && e.isDirectory() && (e.mode() & 02000) == 0) actual &= ~02000;
    assertEquals(Integer.toOctalString(e.mode()), Integer.toOctalString(actual), what);
    if (owners) {
      assertEquals(e.uid(), ((Integer) attrs.get("uid")).longValue() & 0xffffffffL, what);
      assertEquals(e.gid(), ((Integer) attrs.get("gid")).longValue() & 0xffffffffL, what);
    }
    // GNU tar creates symlinks with absolute or ".." targets last (after setting directory times,
    // as a defence of its own), which touches their directories: compare directory times only for ours
    // (and the JDK reports times after 2262, beyond a long of nanoseconds, in microseconds)
    if (checkTimes && (!e.isDirectory() || !gnuExtracted)) {
      assertEquals(e.modified().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
          ((java.nio.file.attribute.FileTime) attrs.get("lastModifiedTime")).toInstant().truncatedTo(java.time.temporal.ChronoUnit.MICROS), what);
    }
  }
}
