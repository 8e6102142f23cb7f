package dockyard.vpnkit.link;

import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A tap device (/dev/net/tun, IFF_TAP|IFF_NO_PI): each read or write is one Ethernet frame. */
public final class TapLink implements FrameLink {
  static final long TUNSETIFF = 0x400454caL;
  static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;

  private final int fd;
  private final String name;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txErrno = Syscalls.errnoState(arena);
  private final MemorySegment txBuf = arena.allocate(65536 + 14); // reused: send() is serialised
  private volatile boolean closed;

  private TapLink(int fd, String name) {
    this.fd = fd;
    this.name = name;
  }

  public static TapLink open(String name) throws IOException {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    if (n.length == 0 || n.length > 15) throw new IOException("tap name \"" + name + "\" must be 1..15 characters");
    int fd = Syscalls.open("/dev/net/tun", Syscalls.O_RDWR | Syscalls.O_CLOEXEC);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment ifr = a.allocate(40, 8);
      MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
      ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TAP | IFF_NO_PI));
      Syscalls.ioctl(fd, TUNSETIFF, ifr, "TUNSETIFF " + name);
      return new TapLink(fd, name);
    } catch (LinuxException e) {
      Syscalls.close(fd);
      throw new IOException("cannot open tap " + name + ": " + e.getMessage(), e);
    }
  }

  public String name() {
    return name;
  }

  @Override
  public synchronized void send(byte[] frame) throws IOException {
    if (frame.length > txBuf.byteSize()) throw new IOException("tap " + name + ": frame of " + frame.length + " bytes is too big");
    MemorySegment.copy(frame, 0, txBuf, ValueLayout.JAVA_BYTE, 0, frame.length);
    long n = Syscalls.write(txErrno, fd, txBuf.asSlice(0, frame.length));
    if (n < 0 && !closed) throw new IOException("tap " + name + ": write failed, errno " + (-n));
  }

  @Override
  public void start(Consumer<byte[]> receiver) {
    // a platform thread: read(2) through java.lang.foreign would pin a virtual thread's carrier
    Thread.ofPlatform().daemon(true).name("tap " + name).start(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment buf = a.allocate(65536 + 14);
        MemorySegment err = Syscalls.errnoState(a);
        while (!closed) {
          long n = Syscalls.read(err, fd, buf);
          if (n == -Syscalls.EINTR) continue;
          if (n <= 0) break;
          receiver.accept(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
      }
    });
  }

  @Override
  public void close() {
    closed = true;
    Syscalls.close(fd);
  }
}
