package dockyard.hyperkit.devices;

import dockyard.hyperkit.kvm.KvmVm;
import dockyard.hyperkit.virtio.VirtioMmio;
import dockyard.linux.LinuxException;
import dockyard.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel shortcuts between vCPUs and devices: an irqfd per interrupt line (a device raises its
 * interrupt by writing an eventfd; KVM injects it without an ioctl from us) and an ioeventfd per
 * virtio queue (the guest's QueueNotify write signals an eventfd inside the kernel instead of
 * exiting to this process; a thread per device turns it into a notify). Closing wakes and ends the
 * threads, then closes the descriptors.
 */
public final class EventFds implements AutoCloseable {
  private final List<Integer> fds = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private final Arena arena = Arena.ofShared();
  private volatile boolean closed;

  /** An eventfd wired to interrupt {@code gsi}; returns a pulse for the line. */
  public Runnable irqfd(KvmVm vm, int gsi) throws LinuxException {
    int fd = Syscalls.eventfd(0, Syscalls.EFD_CLOEXEC);
    fds.add(fd);
    vm.irqfd(fd, gsi);
    MemorySegment one = arena.allocate(8, 8);
    one.set(ValueLayout.JAVA_LONG, 0, 1);
    MemorySegment err = Syscalls.errnoState(arena);
    return () -> {
      synchronized (one) {
        Syscalls.write(err, fd, one);
      }
    };
  }

  /** Routes each queue's QueueNotify write at {@code base}+0x50 through an ioeventfd to {@code transport}. */
  public void ioeventfds(KvmVm vm, long base, VirtioMmio transport) throws LinuxException {
    int n = transport.queueCount();
    int[] qfds = new int[n];
    for (int q = 0; q < n; q++) {
      qfds[q] = Syscalls.eventfd(0, Syscalls.EFD_CLOEXEC);
      fds.add(qfds[q]);
      vm.ioeventfd(base + 0x50, 4, qfds[q], q);
    }
    for (int q = 0; q < n; q++) {
      int fd = qfds[q], queue = q;
      // platform threads: a read(2) through java.lang.foreign would pin a virtual thread's carrier
      readers.add(Thread.ofPlatform().daemon(true).name("ioeventfd " + Long.toHexString(base) + "/" + q).start(() -> {
        try (Arena a = Arena.ofConfined()) {
          MemorySegment buf = a.allocate(8, 8);
          MemorySegment err = Syscalls.errnoState(a);
          while (!closed) {
            long r = Syscalls.read(err, fd, buf);
            if (closed) break;
            if (r == 8) transport.queueNotified(queue);
            else if (r != -Syscalls.EINTR) break;
          }
        }
      }));
    }
  }

  @Override
  public void close() {
    closed = true;
    MemorySegment one = arena.allocate(8, 8);
    one.set(ValueLayout.JAVA_LONG, 0, 1);
    MemorySegment err = Syscalls.errnoState(arena);
    for (int fd : fds) Syscalls.write(err, fd, one); // wakes every reader; they see closed
    for (Thread t : readers) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (int fd : fds) Syscalls.close(fd);
    arena.close();
  }
}
