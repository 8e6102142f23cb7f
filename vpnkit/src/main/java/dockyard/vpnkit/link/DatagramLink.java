package dockyard.vpnkit.link;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A unix datagram socket, one Ethernet frame per datagram, as vfkit and gvisor-tap-vsock connect a
 * VM: we bind PATH; the VM's side sends from its own bound socket, and frames for the VM go back to
 * whichever address sent last. (The JDK's DatagramChannel has no unix-domain support, hence FFM.)
 */
public final class DatagramLink implements FrameLink {
  private final int fd;
  private final Path path;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txErrno = Syscalls.errnoState(arena);
  private final MemorySegment txBuf = arena.allocate(65536 + 14);
  private final MemorySegment peer = arena.allocate(Syscalls.SOCKADDR_UN, 2);
  private volatile int peerLength;
  private volatile boolean closed;

  private final Object fileKey; // the socket file bound here: only that file is removed on close

  private DatagramLink(int fd, Path path, Object fileKey) {
    this.fd = fd;
    this.path = path;
    this.fileKey = fileKey;
  }

  /** Binds PATH: a stale socket file is replaced; one another process is bound to, or any other file, is refused. */
  public static DatagramLink bind(Path path) throws IOException {
    UnixSocketFile.checkFreeDatagram(path, "another process (a datagram socket is bound to it)");
    int fd = Syscalls.socket(Syscalls.AF_UNIX, Syscalls.SOCK_DGRAM | Syscalls.SOCK_CLOEXEC, 0);
    try (Arena a = Arena.ofConfined()) {
      Syscalls.bind(fd, Syscalls.unixAddress(a, path.toString()), path.toString());
      return new DatagramLink(fd, path, UnixSocketFile.fileKey(path));
    } catch (LinuxException | IllegalArgumentException e) {
      Syscalls.close(fd);
      throw new IOException("cannot bind the datagram socket " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void send(byte[] frame) throws IOException {
    int len = peerLength;
    if (len == 0) return; // no VM has spoken yet: nobody to send to
    if (frame.length > txBuf.byteSize()) throw new IOException(path + ": frame of " + frame.length + " bytes is too big");
    MemorySegment.copy(frame, 0, txBuf, ValueLayout.JAVA_BYTE, 0, frame.length);
    long n;
    synchronized (peer) {
      n = Syscalls.sendto(txErrno, fd, txBuf.asSlice(0, frame.length), peer, len);
    }
    if (n < 0 && !closed) throw new IOException(path + ": sendto failed, errno " + (-n));
  }

  @Override
  public void start(Consumer<byte[]> receiver) {
    Thread.ofPlatform().daemon(true).name("datagram-link " + path).start(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment buf = a.allocate(65536 + 14);
        MemorySegment from = a.allocate(Syscalls.SOCKADDR_UN, 2);
        MemorySegment fromLen = a.allocate(ValueLayout.JAVA_INT);
        MemorySegment err = Syscalls.errnoState(a);
        while (!closed) {
          fromLen.set(ValueLayout.JAVA_INT, 0, Syscalls.SOCKADDR_UN);
          long n = Syscalls.recvfrom(err, fd, buf, from, fromLen);
          if (n == -Syscalls.EINTR) continue;
          if (n < 0) break;
          int l = fromLen.get(ValueLayout.JAVA_INT, 0);
          if (l > 2) { // an unbound sender cannot be answered; remember a bound one
            synchronized (peer) {
              MemorySegment.copy(from, 0, peer, 0, l);
              peerLength = l;
            }
          }
          if (n >= 14) receiver.accept(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
      }
    });
  }

  @Override
  public void close() throws IOException {
    closed = true;
    Syscalls.close(fd);
    UnixSocketFile.deleteIfSame(path, fileKey);
  }
}
