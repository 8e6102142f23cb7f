package dockyard.oci;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work handed to other threads, with its failure thrown here as the task threw it. */
public final class Futures {
  private Futures() {}

  /**
   * The task's result. An IOException or unchecked exception it threw is rethrown as it is (so a
   * {@link DigestMismatchException} stays one); anything else is wrapped in an IOException. An
   * interrupt while waiting keeps the thread's interrupt flag and says what was being waited for.
   */
  public static <T> T await(Future<T> f, String waitingFor) throws IOException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + waitingFor);
    }
  }
}
