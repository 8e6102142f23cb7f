package dockyard.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves paths inside a root directory the way a process chrooted there would see them, without
 * ever letting the operating system follow a link: each component is looked up with
 * NOFOLLOW_LINKS, and a symlink's target is spliced into the remaining components by hand. An
 * absolute target starts again at the root (it names a path inside the image, not on the host);
 * a ".." that would climb above the root is an error, not clamped, because a layer that relies
 * on it is either broken or an attack. The result is a chain of real directories below the root.
 *
 * <p>This is sound only while nothing else changes the tree during unpacking (the unpacker's own
 * temporary directory, or a root the caller does not share while applying a layer).
 */
final class RootPaths {
  /** Linux's limit for symlinks followed in one lookup; a loop must end in an error. */
  private static final int MAX_LINKS = 40;

  private final Path root;
  private final String layer;

  RootPaths(Path root, String layer) {
    this.root = root;
    this.layer = layer;
  }

  Path root() {
    return root;
  }

  /**
   * Splits an archive name into components: a leading "/" or "./" is dropped (names are relative
   * to the root, as tar and Docker read them), empty and "." components vanish, and ".." is refused.
   */
  List<String> components(String name, String entry) throws UnsafeLayerException {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) throw new UnsafeLayerException(layer, entry, "\"..\" in a path is not allowed (it could reach outside the root)");
      out.add(c);
    }
    return out;
  }

  /**
   * The real directory that {@code dirComponents} name, following symlinks inside the root. With
   * {@code create}, missing directories are made (0755, as Docker does for parents a layer omits)
   * and reported to {@code created}, and a file in the way is an error; without, a missing
   * directory or a file in its place gives null.
   *
   * @return components of the real path relative to the root, or null when missing and not creating
   */
  List<String> resolveDirectory(List<String> dirComponents, String entry, boolean create, List<List<String>> created) throws IOException {
    Deque<String> todo = new ArrayDeque<>(dirComponents);
    List<String> real = new ArrayList<>();
    int links = 0;
    String lastLink = null;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) {
        if (real.isEmpty()) {
          throw new UnsafeLayerException(layer, entry, "the symlink " + lastLink + " leads outside the root");
        }
        real.removeLast();
        continue;
      }
      Path p = path(real).resolve(c);
      BasicFileAttributes a = attributes(p);
      if (a == null) {
        if (!create) return null;
        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        real.add(c);
        if (created != null) created.add(List.copyOf(real));
        continue;
      }
      if (a.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new UnsafeLayerException(layer, entry, "too many levels of symbolic links");
        String target = Files.readSymbolicLink(p).toString();
        lastLink = "/" + String.join("/", real) + (real.isEmpty() ? "" : "/") + c + " -> " + target;
        if (target.startsWith("/")) real.clear(); // absolute: from the image's root, never the host's
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) todo.addFirst(parts[i]);
        continue;
      }
      if (!a.isDirectory()) {
        if (!create) return null; // looking something up: there is nothing below a file
        throw new UnsafeLayerException(layer, entry, "/" + String.join("/", real) + (real.isEmpty() ? "" : "/") + c + " is not a directory");
      }
      real.add(c);
    }
    return real;
  }

  /**
   * Whether a symlink with {@code target}, placed in the real directory {@code dir}, stays inside
   * the root when followed from there (lexically: the link need not point at anything yet).
   */
  static boolean staysInside(List<String> dir, String target) {
    if (target.startsWith("/")) return true; // resolved from the image's root
    int depth = dir.size();
    for (String c : target.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) {
        if (--depth < 0) return false;
      } else {
        depth++;
      }
    }
    return true;
  }

  /**
   * The directory at {@code real} if every component of it, itself included, is still a real
   * directory (no symlink anywhere); null otherwise. For work done after other entries may have
   * replaced a directory on the way with a symlink: the operating system would follow that one.
   */
  Path stillDirectory(List<String> real) throws IOException {
    Path p = root;
    for (String c : real) {
      p = p.resolve(c);
      BasicFileAttributes a = attributes(p);
      if (a == null || a.isSymbolicLink() || !a.isDirectory()) return null;
    }
    return p;
  }

  Path path(List<String> real) {
    Path p = root;
    for (String c : real) p = p.resolve(c);
    return p;
  }

  /** Attributes of {@code p} itself (a link is not followed), or null if nothing is there. */
  static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
