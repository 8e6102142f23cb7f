package dockyard.oci.layer;

import dockyard.oci.OciException;
import dockyard.oci.fs.SafeFiles;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies the entries of one layer's tar onto a root directory: creates what the entries describe
 * and carries out OCI whiteouts. Every path goes through {@link RootPaths}, so no entry reaches
 * outside the root. Directory modes and times are set after the whole layer, when adding
 * children can no longer change them and a read-only directory can no longer get in the way.
 */
final class LayerApplier {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";

  private final RootPaths paths;
  private final UnpackOptions options;
  private final String layer;
  /**
   * Real paths (relative to the root, "/"-joined) that belong to this layer: what it created, and
   * every directory its entries sit in (in overlay terms the layer has those directories too).
   * Whiteouts and opaque markers hide lower layers only, so they spare these.
   */
  private final Set<String> inThisLayer = new HashSet<>();
  private final List<Deferred> directories = new ArrayList<>();
  private final List<List<String>> writtenDirectories = new ArrayList<>();

  /** A directory's metadata, set at the end; {@code real} is its path below the root, component by component. */
  private record Deferred(List<String> real, TarEntry entry) {}

  LayerApplier(Path root, UnpackOptions options, String layer) {
    this.paths = new RootPaths(root, layer);
    this.options = options;
    this.layer = layer;
  }

  void apply(TarReader tar) throws IOException {
    for (TarEntry e; (e = tar.next()) != null; ) {
      try {
        applyEntry(e, tar.contents());
      } catch (OciException | java.util.zip.ZipException | java.io.EOFException known) {
        throw known; // already named, or a broken gzip stream the unpacker reports as such
      } catch (IOException io) {
        throw new OciException(layer + ": entry \"" + e.name() + "\": " + io, io);
      }
    }
    for (int i = directories.size() - 1; i >= 0; i--) {
      Deferred d = directories.get(i);
      // a later entry may have replaced the directory, or one above it, even by a symlink: the path
      // is walked again and used only if it still leads through real directories to a directory
      Path p = paths.stillDirectory(d.real);
      if (p != null) metadata(p, d.entry);
    }
  }

  /** The directories this layer made, as components below the root, for a caller that fsyncs them. */
  List<List<String>> writtenDirectories() {
    return writtenDirectories;
  }

  private void applyEntry(TarEntry e, InputStream data) throws IOException {
    List<String> comps = paths.components(e.name(), e.name());
    if (comps.isEmpty()) { // the root itself ("./")
      if (!e.isDirectory()) throw new UnsafeLayerException(layer, e.name(), "only a directory can stand for the root");
      directories.add(new Deferred(List.of(), e));
      return;
    }
    String base = comps.getLast();
    List<String> parentComps = comps.subList(0, comps.size() - 1);

    if (base.startsWith(WHITEOUT)) {
      whiteout(e, parentComps, base);
      return;
    }

    List<List<String>> madeParents = new ArrayList<>();
    List<String> parent = paths.resolveDirectory(parentComps, e.name(), true, madeParents);
    writtenDirectories.addAll(madeParents);
    for (int i = 1; i <= parent.size(); i++) inThisLayer.add(String.join("/", parent.subList(0, i)));
    Path dir = paths.path(parent);
    Path target = dir.resolve(base);
    String real = join(parent, base);
    List<String> realComps = new ArrayList<>(parent);
    realComps.add(base);

    BasicFileAttributes existing = RootPaths.attributes(target);
    if (existing != null && !(e.isDirectory() && existing.isDirectory() && !existing.isSymbolicLink())) {
      if (existing.isDirectory() && !existing.isSymbolicLink()) SafeFiles.deleteTree(target);
      else Files.delete(target);
    }

    switch (e.type()) {
      case DIRECTORY -> {
        if (existing == null || !existing.isDirectory() || existing.isSymbolicLink()) Files.createDirectory(target);
        directories.add(new Deferred(realComps, e));
      }
      case REGULAR -> {
        // CREATE_NEW is O_EXCL: nothing, not even a dangling symlink, is written through
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
          OutputStream out = Channels.newOutputStream(ch);
          data.transferTo(out);
          if (options.durable()) ch.force(true);
        }
        metadata(target, e);
      }
      case SYMLINK -> {
        if (!RootPaths.staysInside(parent, e.linkName())) {
          throw new UnsafeLayerException(layer, e.name(), "symlink target \"" + e.linkName() + "\" points outside the root");
        }
        Files.createSymbolicLink(target, Path.of(e.linkName()));
        owner(target, e);
        Posix.setModified(target, e.modified());
      }
      case HARDLINK -> {
        Path source = hardlinkSource(e);
        if (source.equals(target)) throw new UnsafeLayerException(layer, e.name(), "hardlink to itself");
        Files.createLink(target, source);
      }
      case FIFO -> {
        Posix.mknod(target, Posix.S_IFIFO | (e.mode() & 0777), 0);
        metadata(target, e);
      }
      case CHAR_DEVICE, BLOCK_DEVICE -> {
        if (!options.privileged()) {
          throw new UnsafeLayerException(layer, e.name(), "device node (" + e.devMajor() + ", " + e.devMinor() + ") can only be created by root");
        }
        try {
          Posix.mknod(target, (e.type() == TarEntry.Type.CHAR_DEVICE ? Posix.S_IFCHR : Posix.S_IFBLK) | (e.mode() & 0777), Posix.makedev(e.devMajor(), e.devMinor()));
        } catch (IOException denied) {
          throw new UnsafeLayerException(layer, e.name(), "cannot create device node: " + denied.getMessage());
        }
        metadata(target, e);
      }
    }
    inThisLayer.add(real);
    if (e.isDirectory()) writtenDirectories.add(realComps);
  }

  /** The existing file a hardlink entry points at, resolved inside the root like any name. */
  private Path hardlinkSource(TarEntry e) throws IOException {
    List<String> comps = paths.components(e.linkName(), e.name());
    if (comps.isEmpty()) throw new UnsafeLayerException(layer, e.name(), "hardlink to the root directory");
    List<String> dir = paths.resolveDirectory(comps.subList(0, comps.size() - 1), e.name(), false, null);
    Path source = dir == null ? null : paths.path(dir).resolve(comps.getLast());
    BasicFileAttributes a = source == null ? null : RootPaths.attributes(source);
    if (a == null) throw new UnsafeLayerException(layer, e.name(), "hardlink target \"" + e.linkName() + "\" does not exist");
    if (a.isDirectory()) throw new UnsafeLayerException(layer, e.name(), "hardlink target \"" + e.linkName() + "\" is a directory");
    return source;
  }

  /**
   * {@code .wh.NAME} removes NAME from the layers below; {@code .wh..wh..opq} empties its
   * directory of everything from below. Neither touches what this layer itself created, and
   * neither is created as a file. Other {@code .wh..wh.} names are aufs bookkeeping and ignored.
   */
  private void whiteout(TarEntry e, List<String> parentComps, String base) throws IOException {
    List<String> parent = paths.resolveDirectory(parentComps, e.name(), false, null);
    if (base.equals(OPAQUE)) {
      if (parent == null) { // nothing below to hide: the directory is this layer's own
        List<List<String>> made = new ArrayList<>();
        paths.resolveDirectory(parentComps, e.name(), true, made);
        for (List<String> m : made) {
          inThisLayer.add(String.join("/", m));
          writtenDirectories.add(m);
        }
        return;
      }
      clearLowerChildren(parent);
      return;
    }
    if (base.startsWith(WHITEOUT + WHITEOUT)) return;
    String name = base.substring(WHITEOUT.length());
    if (name.isEmpty()) throw new UnsafeLayerException(layer, e.name(), "whiteout without a name");
    if (parent == null) return;
    if (inThisLayer.contains(join(parent, name))) return; // a whiteout hides lower layers only
    Path victim = paths.path(parent).resolve(name);
    BasicFileAttributes a = RootPaths.attributes(victim);
    if (a == null) return;
    if (!a.isDirectory() || a.isSymbolicLink()) {
      Files.delete(victim);
      return;
    }
    List<String> victimComps = new ArrayList<>(parent);
    victimComps.add(name);
    String prefix = String.join("/", victimComps) + "/";
    if (inThisLayer.stream().anyMatch(p -> p.startsWith(prefix))) {
      clearLowerChildren(victimComps); // this layer already put things inside: they stay
    } else {
      SafeFiles.deleteTree(victim);
    }
  }

  /** Deletes what lower layers put under {@code dir}, keeping (and descending into) this layer's own directories. */
  private void clearLowerChildren(List<String> dir) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(paths.path(dir))) {
      s.forEach(children::add);
    }
    for (Path child : children) {
      String name = child.getFileName().toString();
      BasicFileAttributes a = RootPaths.attributes(child);
      if (a == null) continue;
      boolean isDir = a.isDirectory() && !a.isSymbolicLink();
      if (inThisLayer.contains(join(dir, name))) {
        if (isDir) {
          List<String> sub = new ArrayList<>(dir);
          sub.add(name);
          clearLowerChildren(sub);
        }
      } else if (isDir) {
        SafeFiles.deleteTree(child);
      } else {
        Files.delete(child);
      }
    }
  }

  /** Owner, then mode (chown clears set-id bits), then time, of something this layer just made. */
  private void metadata(Path p, TarEntry e) throws IOException {
    owner(p, e);
    // chmod(2) follows links, but this is not one: this layer just created it, or checked it is a directory
    Files.setAttribute(p, "unix:mode", e.mode());
    Posix.setModified(p, e.modified());
  }

  private void owner(Path p, TarEntry e) throws IOException {
    if (!options.privileged()) return;
    if (e.uid() > 0xffffffffL || e.gid() > 0xffffffffL) {
      throw new UnsafeLayerException(layer, e.name(), "uid " + e.uid() + " or gid " + e.gid() + " does not fit in 32 bits");
    }
    Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS); // lchown
    Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
  }

  private static String join(List<String> dir, String name) {
    return dir.isEmpty() ? name : String.join("/", dir) + "/" + name;
  }
}
