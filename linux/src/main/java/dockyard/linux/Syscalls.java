package dockyard.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * open/close/ioctl/mmap/munmap/eventfd/read/write through java.lang.foreign, for device files such
 * as /dev/kvm and /dev/net/tun. Failures throw {@link LinuxException} naming the call; the hot
 * paths ({@link #ioctlRaw}) return the raw result and leave errno in a caller-owned segment, so a
 * vCPU loop allocates nothing per call.
 */
public final class Syscalls {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

  public static final int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 02000000, O_NONBLOCK = 04000;
  public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20,
      MAP_NORESERVE = 0x4000;
  public static final int EFD_CLOEXEC = 02000000, EFD_NONBLOCK = 04000;
  public static final int EINTR = 4, EAGAIN = 11;

  private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
      Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle IOCTL_LONG = bind("ioctl",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle IOCTL_PTR = bind("ioctl",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
  private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
  private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle READ = bind("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
  private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

  private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SENDTO = bind("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
      ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle RECVFROM = bind("recvfrom", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
      ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
  public static final int AF_UNIX = 1, AF_INET = 2, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 02000000, IPPROTO_ICMP = 1;
  public static final int EPERM = 1, EACCES = 13;
  /** sizeof(struct sockaddr_in). */
  public static final int SOCKADDR_IN = 16;
  /** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
  public static final int SOCKADDR_UN = 110;

  private Syscalls() {}

  /** A downcall given the errno capture segment; returns the call's result. */
  private interface Call {
    long invoke(MemorySegment errnoState) throws Throwable;
  }

  /** Runs {@code call} with errno captured; a negative result becomes a {@link LinuxException} naming {@code what}. */
  private static long checked(String what, Call call) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CAPTURE);
      long rc = call.invoke(st);
      if (rc < 0) throw new LinuxException(what, errno(st));
      return rc;
    } catch (LinuxException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static int socket(int domain, int type, int protocol) throws LinuxException {
    return (int) checked("socket", st -> (int) SOCKET.invokeExact(st, domain, type, protocol));
  }


  /** A struct sockaddr_in for an IPv4 address (big-endian int) and port in {@code arena}. */
  public static MemorySegment inetAddress(Arena arena, int address, int port) {
    MemorySegment sa = arena.allocate(SOCKADDR_IN, 4);
    sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
    sa.set(ValueLayout.JAVA_BYTE, 2, (byte) (port >> 8));
    sa.set(ValueLayout.JAVA_BYTE, 3, (byte) port);
    for (int i = 0; i < 4; i++) sa.set(ValueLayout.JAVA_BYTE, 4 + i, (byte) (address >>> (24 - 8 * i)));
    return sa;
  }

  /** A struct sockaddr_un for {@code path} in {@code arena}. */
  public static MemorySegment unixAddress(Arena arena, String path) {
    byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (p.length >= 108) throw new IllegalArgumentException("unix socket path too long (107 bytes at most): " + path);
    MemorySegment sa = arena.allocate(SOCKADDR_UN, 2);
    sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(p, 0, sa, ValueLayout.JAVA_BYTE, 2, p.length);
    return sa;
  }

  public static void bind(int fd, MemorySegment address, String what) throws LinuxException {
    checked("bind " + what, st -> (int) BIND.invokeExact(st, fd, address, (int) address.byteSize()));
  }


  /** sendto(2); returns bytes sent or -errno. */
  public static long sendto(MemorySegment state, int fd, MemorySegment buf, MemorySegment address, int addressLength) {
    try {
      long n = (long) SENDTO.invokeExact(state, fd, buf, buf.byteSize(), 0, address, addressLength);
      return n < 0 ? -errno(state) : n;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** recvfrom(2); the sender's address lands in {@code address} with its length in {@code addressLength} (an int, in/out). */
  public static long recvfrom(MemorySegment state, int fd, MemorySegment buf, MemorySegment address, MemorySegment addressLength) {
    try {
      long n = (long) RECVFROM.invokeExact(state, fd, buf, buf.byteSize(), 0, address, addressLength);
      return n < 0 ? -errno(state) : n;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... more) {
    Linker.Option[] opts = new Linker.Option[more.length + 1];
    opts[0] = ERRNO_OPT;
    System.arraycopy(more, 0, opts, 1, more.length);
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, opts);
  }

  /** A segment for {@link #ioctlRaw}'s errno, owned by the caller (one per thread). */
  public static MemorySegment errnoState(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  public static int open(String path, int flags) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = a.allocateFrom(path);
      return (int) checked("open " + path, st -> (int) OPEN.invokeExact(st, p, flags));
    }
  }


  public static void close(int fd) {
    try (Arena a = Arena.ofConfined()) {
      int rc = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
      if (rc < 0) { /* nothing useful to do: the descriptor is gone either way */ }
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** ioctl with an integer argument; returns the (non-negative) result. */
  public static int ioctl(int fd, long request, long arg, String what) throws LinuxException {
    return (int) checked(what, st -> (int) IOCTL_LONG.invokeExact(st, fd, request, arg));
  }


  /** ioctl with a pointer argument (a struct in native memory). */
  public static int ioctl(int fd, long request, MemorySegment arg, String what) throws LinuxException {
    return (int) checked(what, st -> (int) IOCTL_PTR.invokeExact(st, fd, request, arg));
  }


  /** ioctl(fd, request, arg) with errno left in {@code state}: for loops that must not allocate (KVM_RUN). */
  public static int ioctlRaw(MemorySegment state, int fd, long request, long arg) {
    try {
      return (int) IOCTL_LONG.invokeExact(state, fd, request, arg);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** mmap(NULL, length, prot, flags, fd, offset), as a segment of that length. */
  public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) throws LinuxException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CAPTURE);
      MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length, prot, flags, fd, offset);
      if (p.address() == -1L) throw new LinuxException(what, errno(st));
      return p.reinterpret(length);
    } catch (LinuxException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  public static void munmap(MemorySegment mapping) {
    try (Arena a = Arena.ofConfined()) {
      int rc = (int) MUNMAP.invokeExact(a.allocate(CAPTURE), mapping, mapping.byteSize());
      if (rc < 0) throw new IllegalStateException("munmap failed");
    } catch (Throwable t) {
      throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }
  }

  public static int eventfd(int initial, int flags) throws LinuxException {
    return (int) checked("eventfd", st -> (int) EVENTFD.invokeExact(st, initial, flags));
  }


  /** read(2) into {@code buf}; returns bytes read, or -errno. */
  public static long read(MemorySegment state, int fd, MemorySegment buf) {
    try {
      long n = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
      return n < 0 ? -errno(state) : n;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** write(2) from {@code buf}; returns bytes written, or -errno. */
  public static long write(MemorySegment state, int fd, MemorySegment buf) {
    try {
      long n = (long) WRITE.invokeExact(state, fd, buf, buf.byteSize());
      return n < 0 ? -errno(state) : n;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
