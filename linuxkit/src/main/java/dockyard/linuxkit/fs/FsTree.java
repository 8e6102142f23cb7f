package dockyard.linuxkit.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The root file system being assembled, as a sorted map from path to entry. Sources are layered in
 * LinuxKit's order (kernel, init images, containers, files); a later entry replaces an earlier one at
 * the same path, a non-directory replaces a whole directory, and a path that crosses a symlink
 * already in the tree is followed through it (inside the tree), as the kernel does when it unpacks
 * the initramfs. Contents stay where they are (a file on disk or bytes), so nothing is copied until
 * an archive is written, always in the same order with fixed times: equal inputs, equal bytes.
 */
public final class FsTree {
  /** Paths compare by their UTF-8 bytes, so a parent always comes before its children. */
  private static final Comparator<String> ORDER = (a, b) ->
      Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  private static final int MAX_LINKS = 40;

  /** Where a regular file's bytes are. */
  public sealed interface Content {
    long size() throws IOException;

    InputStream open() throws IOException;
  }

  public record OnDisk(Path file) implements Content {
    public long size() throws IOException {
      return Files.size(file);
    }

    public InputStream open() throws IOException {
      return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    }
  }

  public record Bytes(byte[] bytes) implements Content {
    public static Bytes of(String text) {
      return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    public long size() {
      return bytes.length;
    }

    public InputStream open() {
      return new java.io.ByteArrayInputStream(bytes);
    }
  }

  /** One entry. {@code mode} holds permission bits only; the type is the record's. */
  public sealed interface Node {
    int mode();

    long uid();

    long gid();
  }

  public record Dir(int mode, long uid, long gid) implements Node {}

  public record File(int mode, long uid, long gid, Content content) implements Node {}

  public record Symlink(String target, long uid, long gid) implements Node {
    public int mode() {
      return 0777;
    }
  }

  /** A character or block device or a fifo ({@code type} 'c', 'b' or 'p'). */
  public record Special(char type, int mode, long uid, long gid, int major, int minor) implements Node {}

  private final TreeMap<String, Node> entries = new TreeMap<>(ORDER);

  public NavigableMap<String, Node> entries() {
    return java.util.Collections.unmodifiableNavigableMap(entries);
  }

  public Node get(String path) {
    return entries.get(clean(path));
  }

  public boolean contains(String path) {
    return entries.containsKey(clean(path));
  }

  /**
   * Puts {@code node} at {@code path} (relative; a leading '/' is dropped), creating missing parent
   * directories 0755 root-owned. Returns the path it landed at after following symlinks.
   */
  public String put(String path, Node node) {
    String p = resolveParents(clean(path), 0);
    if (p.isEmpty()) {
      if (node instanceof Dir) entries.remove(""); // the root itself: nothing to record
      return p;
    }
    ensureParents(p);
    Node old = entries.get(p);
    if (old instanceof Dir && !(node instanceof Dir)) removeChildren(p);
    entries.put(p, node);
    return p;
  }

  /** Removes {@code path} and everything below it. */
  public void remove(String path) {
    String p = clean(path);
    entries.remove(p);
    removeChildren(p);
  }

  private void removeChildren(String p) {
    String prefix = p + "/";
    entries.subMap(prefix, true, p + "0", false).clear(); // '0' is the byte after '/'
  }

  private void ensureParents(String p) {
    int slash = p.lastIndexOf('/');
    if (slash < 0) return;
    String parent = p.substring(0, slash);
    Node n = entries.get(parent);
    if (n instanceof Dir) return;
    ensureParents(parent);
    entries.put(parent, new Dir(0755, 0, 0));
  }

  /** Follows symlinks met in the parent components of {@code p}, staying inside the tree. */
  private String resolveParents(String p, int depth) {
    if (depth > MAX_LINKS) throw new IllegalArgumentException("too many levels of symbolic links at \"" + p + "\"");
    String[] parts = p.isEmpty() ? new String[0] : p.split("/");
    List<String> done = new ArrayList<>();
    for (int i = 0; i < parts.length - 1; i++) {
      done.add(parts[i]);
      String sofar = String.join("/", done);
      if (entries.get(sofar) instanceof Symlink s) {
        List<String> base = s.target().startsWith("/") ? new ArrayList<>() : new ArrayList<>(done.subList(0, done.size() - 1));
        for (String c : s.target().split("/")) {
          if (c.isEmpty() || c.equals(".")) continue;
          if (c.equals("..")) {
            if (!base.isEmpty()) base.remove(base.size() - 1); // ".." at the root stays at the root
          } else {
            base.add(c);
          }
        }
        for (int j = i + 1; j < parts.length; j++) base.add(parts[j]);
        return resolveParents(String.join("/", base), depth + 1);
      }
    }
    return p;
  }

  static String clean(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) throw new IllegalArgumentException("\"..\" in path \"" + path + "\"");
      out.add(c);
    }
    return String.join("/", out);
  }

  /**
   * Adds the tree on disk at {@code dir} under {@code prefix}, keeping modes, owners (when
   * {@code owners}; otherwise root), symlinks, devices and fifos. {@code rename} may drop an entry
   * (returns null) or let through its relative name; it sees names like {@code etc/hosts}.
   */
  public void addDirectory(Path dir, String prefix, boolean owners, Predicate<String> keep) throws IOException {
    String pre = clean(prefix);
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          String rel = relative(dir, d);
          if (!rel.isEmpty() && !keep.test(rel)) return FileVisitResult.SKIP_SUBTREE;
          add(d, rel);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
          String rel = relative(dir, f);
          if (keep.test(rel)) add(f, rel);
          return FileVisitResult.CONTINUE;
        }

        private void add(Path f, String rel) {
          try {
            Map<String, Object> a = Files.readAttributes(f, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            long uid = owners ? ((Integer) a.get("uid")) & 0xffffffffL : 0;
            long gid = owners ? ((Integer) a.get("gid")) & 0xffffffffL : 0;
            int perms = mode & 07777;
            String name = pre.isEmpty() ? rel : rel.isEmpty() ? pre : pre + "/" + rel;
            if (name.isEmpty()) return;
            long rdev = (Long) a.get("rdev");
            int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
            int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
            Node n = switch (mode & 0170000) {
              case 0040000 -> new Dir(perms, uid, gid);
              case 0100000 -> new File(perms, uid, gid, new OnDisk(f));
              case 0120000 -> new Symlink(Files.readSymbolicLink(f).toString(), uid, gid);
              case 0020000 -> new Special('c', perms, uid, gid, major, minor);
              case 0060000 -> new Special('b', perms, uid, gid, major, minor);
              case 0010000 -> new Special('p', perms, uid, gid, 0, 0);
              default -> null; // a socket has no archive form
            };
            if (n != null) put(name, n);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static String relative(Path dir, Path p) {
    StringBuilder sb = new StringBuilder();
    for (Path c : dir.relativize(p)) {
      if (c.toString().isEmpty()) continue;
      if (!sb.isEmpty()) sb.append('/');
      sb.append(c);
    }
    return sb.toString();
  }
}
