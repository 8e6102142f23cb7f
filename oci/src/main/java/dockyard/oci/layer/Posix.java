package dockyard.oci.layer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The two system calls unpacking needs and the JDK lacks or does unsafely, through
 * java.lang.foreign: mknod(2) for fifos and device nodes, and utimensat(2) with
 * AT_SYMLINK_NOFOLLOW. The JDK sets times by opening the file first, and opening a fifo blocks
 * until a writer comes (and opening a device node can do anything the driver likes).
 */
final class Posix {
  private Posix() {}

  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFBLK = 0060000;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final long UTIME_OMIT = (1L << 30) - 2L;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle MKNOD = downcall("mknod",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
  private static final MethodHandle UTIMENSAT = downcall("utimensat",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle STRERROR = LINKER.defaultLookup().find("strerror")
      .map(addr -> LINKER.downcallHandle(addr, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT)))
      .orElse(null);

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    return LINKER.defaultLookup().find(name).map(addr -> LINKER.downcallHandle(addr, fd, Linker.Option.captureCallState("errno"))).orElse(null);
  }

  /** glibc's makedev: 12+20 bits of major, 8+24 bits of minor. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  static void mknod(Path path, int mode, long dev) throws IOException {
    if (MKNOD == null) throw new IOException("mknod is not in this C library (glibc 2.33 or later has it)");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int r = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), mode, dev);
      if (r != 0) throw new IOException("mknod " + path + ": " + strerror((int) ERRNO.get(state, 0L)));
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("mknod " + path + ": " + t, t);
    }
  }

  /** Sets the modification time of {@code path} itself (a symlink is not followed); atime is left alone. */
  static void setModified(Path path, Instant mtime) throws IOException {
    if (UTIMENSAT == null) throw new IOException("utimensat is not in this C library");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4); // struct timespec[2]: atime, mtime
      times.setAtIndex(ValueLayout.JAVA_LONG, 0, 0);
      times.setAtIndex(ValueLayout.JAVA_LONG, 1, UTIME_OMIT);
      times.setAtIndex(ValueLayout.JAVA_LONG, 2, mtime.getEpochSecond());
      times.setAtIndex(ValueLayout.JAVA_LONG, 3, mtime.getNano());
      int r = (int) UTIMENSAT.invokeExact(state, AT_FDCWD, arena.allocateFrom(path.toString()), times, AT_SYMLINK_NOFOLLOW);
      if (r != 0) throw new IOException("utimensat " + path + ": " + strerror((int) ERRNO.get(state, 0L)));
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("utimensat " + path + ": " + t, t);
    }
  }

  private static String strerror(int errno) {
    if (STRERROR == null) return "errno " + errno;
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(1024).getString(0) + " (errno " + errno + ")";
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }
}
