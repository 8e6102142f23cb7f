package dockyard.oci.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * File operations that keep stored data whole across crashes and concurrent writers: write
 * beside, fsync, rename over, fsync the directory (so the rename itself is durable), and
 * removal of trees that never follows a symbolic link out of the tree.
 */
public final class SafeFiles {
  private SafeFiles() {}

  /** Flushes a file's or a directory's contents and metadata to the device. */
  public static void fsync(Path path) throws IOException {
    // Linux lets a directory be opened read-only and fsync'd; that is what makes a rename durable.
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Replaces {@code target} with {@code content} so that readers see the old file or the new one,
   * never a mix, even after a crash. The temporary file is a dot-file in the same directory (a
   * rename is only atomic within one file system) and is removed when anything fails.
   */
  public static void writeAtomically(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = createTemp(dir, "." + target.getFileName() + ".tmp-");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
        while (buf.hasRemaining()) ch.write(buf);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      fsync(dir);
    } finally {
      if (tmp != null) Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty dot-file in {@code dir}. Files.createTempFile alone makes files 0600; stored content
   * is shared like any file the user creates, so ask for 0644 and let the umask have its say.
   */
  public static Path createTemp(Path dir, String prefix) throws IOException {
    return Files.createTempFile(dir, prefix, "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
  }

  /**
   * Deletes {@code root} and everything under it without following symbolic links (a link is
   * removed, never its target). Directories without write permission are made writable first,
   * so an unpacked image with read-only directories can still be cleaned up by its owner.
   * A missing {@code root} is not an error.
   */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        ensureWritable(dir);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
        if (e instanceof AccessDeniedException && ensureWritable(file)) {
          deleteTree(file); // it was an unlistable directory of ours: now it can be walked
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) throw e;
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException raced) {
          deleteTree(dir); // something appeared meanwhile (a concurrent writer); go again
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Gives the owner rwx on a directory; true if that changed anything (so a retry can help). */
  private static boolean ensureWritable(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (!perms.containsAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE))) {
      Set<PosixFilePermission> next = EnumSet.copyOf(perms);
      next.add(PosixFilePermission.OWNER_READ);
      next.add(PosixFilePermission.OWNER_WRITE);
      next.add(PosixFilePermission.OWNER_EXECUTE);
      Files.setPosixFilePermissions(dir, next);
      return true;
    }
    return false;
  }
}
