package dockyard.hyperkit.virtio;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A device's own thread (virtual): notifications from vCPUs are queued here, so host I/O happens
 * off the vCPU threads and in order per device. A failure in the work is reported, not thrown
 * into a vCPU.
 */
final class DeviceWorker implements AutoCloseable {
  private final ExecutorService executor;
  private final Consumer<Throwable> onError;

  DeviceWorker(String name, Consumer<Throwable> onError) {
    this.executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name(name).factory());
    this.onError = onError;
  }

  /**
   * Queues {@code work} against the device's current context (nothing when the driver is not
   * ready); work returns whether it used buffers, which raises the interrupt. A broken driver
   * (a bad descriptor) marks the device as needing a reset instead of failing a vCPU.
   */
  void serve(VirtioContext context, java.util.function.Predicate<VirtioContext> work) {
    if (context == null) return;
    submit(() -> {
      try {
        if (work.test(context)) context.usedBuffers();
      } catch (RuntimeException e) {
        context.fail(e.getMessage());
      }
    });
  }

  void submit(Runnable work) {
    try {
      executor.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          onError.accept(e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the VM is shutting down
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
