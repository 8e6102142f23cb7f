package dockyard.oci.testing;

import dockyard.oci.tar.TarEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random archives for round-trip properties: nested directories, files of awkward sizes, symlinks
 * (long, absolute, relative targets), hardlinks to earlier files, fifos and (for root) devices,
 * names long enough to need ustar's prefix field, pax or GNU long names, non-ASCII names, large
 * ids and sub-second times. Parents always come before children; no name repeats.
 */
public final class RandomTree {
  private RandomTree() {}

  public record Item(TarEntry entry, byte[] data) {}

  private static final String PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

  /** {@code privileged}: include device nodes, and files their owner cannot read (only root reads those back). */
  public static List<Item> generate(long seed, boolean privileged) {
    Random r = new Random(seed);
    boolean unicode = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    List<Item> items = new ArrayList<>();
    List<String> dirs = new ArrayList<>(List.of(""));
    List<String> files = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int n = 1 + r.nextInt(30);
    for (int i = 0; i < n; i++) {
      String parent = dirs.get(r.nextInt(dirs.size()));
      String name = (parent.isEmpty() ? "" : parent + "/") + component(r, unicode);
      if (!names.add(name) || name.length() > 900) continue;
      int kind = r.nextInt(100);
      TarEntry e;
      byte[] data = new byte[0];
      if (kind < 25) {
        e = TarEntry.directory(name, r.nextInt(010000) | 0700);
        dirs.add(name);
      } else if (kind < 65) {
        data = new byte[switch (r.nextInt(5)) { case 0 -> 0; case 1 -> 512; case 2 -> r.nextInt(5000); default -> r.nextInt(600); }];
        r.nextBytes(data);
        e = TarEntry.file(name, data.length, r.nextInt(010000) | (privileged ? 0 : 0400));
        files.add(name);
      } else if (kind < 80) {
        e = TarEntry.symlink(name, linkTarget(r, unicode));
      } else if (kind < 90 && !files.isEmpty()) {
        e = TarEntry.hardlink(name, files.get(r.nextInt(files.size())));
      } else if (kind < 95 || !privileged) {
        e = TarEntry.fifo(name, r.nextInt(01000));
      } else {
        e = TarEntry.device(r.nextBoolean() ? TarEntry.Type.CHAR_DEVICE : TarEntry.Type.BLOCK_DEVICE, name, r.nextInt(01000), r.nextInt(4096), r.nextInt(1 << 20));
      }
      long uid = r.nextInt(4) == 0 ? r.nextLong(1L << 31) : r.nextInt(3) * 1000;
      long gid = r.nextInt(4) == 0 ? r.nextLong(1L << 31) : r.nextInt(3) * 1000;
      // past 8^11 s (year 2242) ustar cannot hold the time; ext4 stops at 2446, so stay below that
      long seconds = r.nextInt(4) == 0 ? r.nextLong(15_000_000_000L) : r.nextLong(2_000_000_000L);
      Instant t = Instant.ofEpochSecond(seconds, r.nextInt(3) == 0 ? r.nextInt(1_000_000_000) : 0);
      String uname = r.nextInt(5) == 0 ? "user" + "x".repeat(r.nextInt(40)) : "";
      e = e.withOwner(uid, gid).withModified(t).withOwnerNames(uname, uname.isEmpty() ? "" : "group");
      items.add(new Item(e, data));
    }
    return items;
  }

  private static String component(Random r, boolean unicode) {
    int len = switch (r.nextInt(10)) { case 0 -> 60 + r.nextInt(100); case 1 -> 90 + r.nextInt(20); default -> 1 + r.nextInt(12); };
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      if (unicode && r.nextInt(40) == 0) sb.append(r.nextBoolean() ? "é" : "日本");
      else if (r.nextInt(60) == 0) sb.append(' ');
      else sb.append(PLAIN.charAt(r.nextInt(PLAIN.length())));
    }
    String s = sb.toString();
    return s.equals(".") || s.equals("..") ? s + "x" : s;
  }

  private static String linkTarget(Random r, boolean unicode) {
    return switch (r.nextInt(4)) {
      case 0 -> "/" + component(r, unicode);
      case 1 -> "../" + component(r, unicode);
      case 2 -> component(r, unicode) + "/" + component(r, unicode) + "/" + component(r, unicode);
      default -> component(r, unicode);
    };
  }
}
