package dockyard.oci.layer;

import dockyard.oci.BlobWriter;
import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.Digest;
import dockyard.oci.DigestingOutputStream;
import dockyard.oci.Layer;
import dockyard.oci.MediaTypes;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Makes a layer tar from a directory so that the same tree always gives the same bytes: entries
 * sorted by the bytes of their names, owners 0:0 without names (unless asked to keep them),
 * modification times all set to one instant (or the files' own, in whole seconds), no atime,
 * ctime, inode or device numbers, no extended attributes. Files with several links become one
 * file and hardlinks to it, the first name in sorted order holding the data. Sockets cannot be
 * archived and are left out, as tar does. The directory itself is not an entry.
 */
public final class LayerWriter {
  private LayerWriter() {}

  /**
   * @param fixedMtime the time every entry gets; null keeps each file's own (truncated to seconds)
   * @param keepOwners keep numeric uid/gid from the files instead of 0:0
   */
  public record Options(Instant fixedMtime, boolean keepOwners) {
    /** Every entry at the epoch, owned by root: nothing of the build machine leaks in. */
    public static Options reproducible() {
      return new Options(Instant.EPOCH, false);
    }

    public Options withFixedMtime(Instant t) {
      return new Options(t, keepOwners);
    }
  }

  /** Writes the tar of {@code dir} to {@code out} (finished, not closed). */
  public static void write(Path dir, OutputStream out, Options options) throws IOException {
    TarWriter tar = new TarWriter(out);
    Map<String, String> firstNameOfInode = new HashMap<>();
    for (Path p : sortedTree(dir)) {
      String rel = relativeName(dir, p);
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,dev,nlink,rdev,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      int perms = mode & 07777;
      TarEntry e;
      switch (mode & 0170000) {
        case 0040000 -> e = TarEntry.directory(rel + "/", perms);
        case 0100000 -> {
          String inode = a.get("dev") + ":" + a.get("ino");
          String first = (Integer) a.get("nlink") > 1 ? firstNameOfInode.putIfAbsent(inode, rel) : null;
          e = first != null ? TarEntry.hardlink(rel, first) : TarEntry.file(rel, (Long) a.get("size"), perms);
        }
        case 0120000 -> e = TarEntry.symlink(rel, Files.readSymbolicLink(p).toString());
        case 0010000 -> e = TarEntry.fifo(rel, perms);
        case 0020000, 0060000 -> {
          long rdev = (Long) a.get("rdev");
          int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
          int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
          e = TarEntry.device((mode & 0170000) == 0020000 ? TarEntry.Type.CHAR_DEVICE : TarEntry.Type.BLOCK_DEVICE, rel, perms, major, minor);
        }
        default -> {
          continue; // a socket: there is no tar entry for it
        }
      }
      if (e.type() == TarEntry.Type.HARDLINK) e = e.withMode(perms);
      Instant t = options.fixedMtime() != null ? options.fixedMtime()
          : Instant.ofEpochSecond(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
      e = e.withModified(t);
      if (options.keepOwners()) e = e.withOwner(((Integer) a.get("uid")) & 0xffffffffL, ((Integer) a.get("gid")) & 0xffffffffL);
      if (e.isRegular()) {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
          tar.add(e, in);
        }
      } else {
        tar.add(e);
      }
    }
    tar.finish();
  }

  /**
   * Writes the layer of {@code dir} into {@code store} in one pass, gzip-compressed or not, and
   * returns the blob's descriptor with the diff ID (the digest of the uncompressed tar).
   */
  public static Layer writeTo(ContentStore store, Path dir, Options options, boolean gzip) throws IOException {
    try (BlobWriter blob = store.writer()) {
      Digest diffId;
      if (gzip) {
        GZIPOutputStream gz = new GZIPOutputStream(blob, 1 << 16);
        DigestingOutputStream tar = new DigestingOutputStream(gz, Digest.Algorithm.SHA256);
        BufferedOutputStream buffered = new BufferedOutputStream(tar, 1 << 16);
        write(dir, buffered, options);
        buffered.flush();
        gz.finish(); // not close: that would close the blob writer, which discards an uncommitted blob
        diffId = tar.digest();
      } else {
        BufferedOutputStream buffered = new BufferedOutputStream(blob, 1 << 16);
        write(dir, buffered, options);
        buffered.flush();
        diffId = blob.digest();
      }
      Descriptor d = blob.commit(gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER);
      return new Layer(d, diffId);
    }
  }

  /** Every path below {@code dir} (not {@code dir}), no links followed, sorted by the UTF-8 bytes of the relative name. */
  private static List<Path> sortedTree(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        if (!d.equals(dir)) paths.add(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        paths.add(f);
        return FileVisitResult.CONTINUE;
      }
    });
    record Keyed(byte[] key, Path path) {}
    List<Keyed> keyed = new ArrayList<>(paths.size());
    for (Path p : paths) keyed.add(new Keyed(relativeName(dir, p).getBytes(StandardCharsets.UTF_8), p));
    keyed.sort((x, y) -> Arrays.compareUnsigned(x.key(), y.key()));
    return keyed.stream().map(Keyed::path).toList();
  }

  private static String relativeName(Path dir, Path p) {
    StringBuilder sb = new StringBuilder();
    for (Path c : dir.relativize(p)) {
      if (!sb.isEmpty()) sb.append('/');
      sb.append(c);
    }
    return sb.toString();
  }
}
