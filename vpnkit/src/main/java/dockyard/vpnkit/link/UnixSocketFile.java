package dockyard.vpnkit.link;

import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A listening unix socket that its daemon owns, as a second daemon must treat it: a socket file
 * that still answers belongs to a running daemon and is refused; one that nobody answers on is a
 * leftover of a crash and is replaced; anything else of that name is never deleted. On close the
 * file is removed only if it is still the one this daemon bound (same device and inode), so a
 * daemon never deletes a socket it does not own.
 */
public final class UnixSocketFile implements AutoCloseable {
  private final ServerSocketChannel channel;
  private final Path path;
  private final Object fileKey;

  private UnixSocketFile(ServerSocketChannel channel, Path path, Object fileKey) {
    this.channel = channel;
    this.path = path;
    this.fileKey = fileKey;
  }

  /**
   * Binds and listens on {@code path}.
   *
   * @param owner what would be answering on a socket in use, for the error ("another vpnkit")
   */
  public static UnixSocketFile bind(Path path, String owner) throws IOException {
    checkFree(path, owner);
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      s.bind(UnixDomainSocketAddress.of(path));
      return new UnixSocketFile(s, path, key(path));
    } catch (IOException e) {
      s.close();
      throw e instanceof BindException ? new BindException(path + ": " + e.getMessage()) : e;
    }
  }

  /** False when nothing is at {@code path}; true for a socket; fails for anything else, which is never replaced. */
  private static boolean existingSocket(Path path) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException free) {
      return false;
    }
    // a socket is neither a regular file, a directory nor a link
    if (!attrs.isOther()) throw new BindException(path + ": exists and is not a socket; not replacing it");
    return true;
  }

  /**
   * Fails when a live server answers on {@code path} or when {@code path} is not a socket;
   * removes a stale socket file. Nothing is bound.
   */
  public static void checkFree(Path path, String owner) throws IOException {
    if (!existingSocket(path)) return;
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
    } catch (IOException refused) {
      Files.deleteIfExists(path); // nobody listens: a leftover of a daemon that did not clean up
      return;
    }
    throw new BindException(path + ": already in use by " + owner);
  }

  /**
   * {@link #checkFree} for a datagram socket, which cannot be probed by connecting without
   * sending to its owner: a socket file that a live socket of this network namespace is bound to
   * (it is listed in /proc/net/unix) is in use; otherwise it is stale and removed.
   */
  public static void checkFreeDatagram(Path path, String owner) throws IOException {
    if (!existingSocket(path)) return;
    java.util.Set<String> names = new java.util.HashSet<>(java.util.List.of(path.toString(), path.toAbsolutePath().normalize().toString()));
    try (var lines = Files.lines(Path.of("/proc/net/unix"))) {
      // columns: Num RefCount Protocol Flags Type St Inode Path; a bound socket shows its path last
      if (lines.skip(1).map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length >= 8 && names.contains(f[7]))) {
        throw new BindException(path + ": already in use by " + owner);
      }
    }
    Files.deleteIfExists(path);
  }

  /** The identity (device and inode) of the file at {@code p}, to tell later whether it is still the same file. */
  public static Object fileKey(Path p) throws IOException {
    return key(p);
  }

  /** Removes {@code p} if it is still the file whose {@link #fileKey} was taken. */
  public static void deleteIfSame(Path p, Object fileKey) throws IOException {
    try {
      if (fileKey != null && fileKey.equals(key(p))) Files.deleteIfExists(p);
    } catch (NoSuchFileException gone) {
      // already removed
    }
  }

  public ServerSocketChannel channel() {
    return channel;
  }

  public Path path() {
    return path;
  }

  private static Object key(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  /** Closes the listener and removes its file, unless the file at the path is no longer the one bound here. */
  @Override
  public void close() throws IOException {
    channel.close();
    deleteIfSame(path, fileKey);
  }
}
