package dockyard.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Kicking one thread out of a blocking system call (a vCPU in KVM_RUN) with a real-time signal.
 * The signal gets a handler that does nothing (libc's {@code getpid}, which ignores its argument,
 * stands in for a no-op C function) installed without SA_RESTART, so the call returns EINTR; the
 * JVM does not use the real-time signals.
 */
public final class ThreadSignals {
  /** SIGRTMIN+7 as glibc numbers it (glibc keeps 32 and 33 for itself). */
  public static final int KICK = 41;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle GETTID = LINKER.downcallHandle(LINKER.defaultLookup().find("gettid").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT));
  private static final MethodHandle GETPID = LINKER.downcallHandle(LINKER.defaultLookup().find("getpid").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT));
  private static final MethodHandle TGKILL = LINKER.downcallHandle(LINKER.defaultLookup().find("tgkill").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle SIGACTION = LINKER.downcallHandle(LINKER.defaultLookup().find("sigaction").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
  private static volatile boolean installed;

  private ThreadSignals() {}

  /** Installs the no-op handler for {@link #KICK} once per process. */
  public static synchronized void installKickHandler() {
    if (installed) return;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment act = a.allocate(152, 8); // struct sigaction on x86-64 glibc, zeroed: empty mask, no flags
      act.set(ValueLayout.ADDRESS, 0, LINKER.defaultLookup().find("getpid").orElseThrow());
      int rc = (int) SIGACTION.invokeExact(KICK, act, MemorySegment.NULL);
      if (rc != 0) throw new IllegalStateException("sigaction(" + KICK + ") failed");
      installed = true;
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The calling thread's kernel thread id. */
  public static int gettid() {
    try {
      return (int) GETTID.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** Sends {@link #KICK} to thread {@code tid} of this process; false when it is gone. */
  public static boolean kick(int tid) {
    try {
      int pid = (int) GETPID.invokeExact();
      return (int) TGKILL.invokeExact(pid, tid, KICK) == 0;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }
}
