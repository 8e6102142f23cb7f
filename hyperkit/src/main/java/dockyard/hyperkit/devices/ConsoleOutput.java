package dockyard.hyperkit.devices;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Where console bytes go, written on a thread of its own: a vCPU that prints never waits for a
 * terminal or a file. Bytes queue in 4 KiB chunks (bounded: a guest printing faster than the sink
 * takes them waits on the queue, not on the sink's I/O). {@link #close()} drains what is queued.
 */
public final class ConsoleOutput implements AutoCloseable {
  private static final byte[] END = new byte[0];
  private final OutputStream sink;
  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(1024);
  private final Thread writer;
  private final StringBuilder pending = new StringBuilder();
  private byte[] chunk = new byte[256];
  private int filled;

  public ConsoleOutput(OutputStream sink) {
    this.sink = sink;
    this.writer = Thread.ofVirtual().name("console-writer").start(this::drain);
  }

  /** Queues one byte; flushed at a newline, when 256 are waiting, or by {@link #flush()}. */
  public synchronized void write(int b) {
    chunk[filled++] = (byte) b;
    if (b == '\n' || filled == chunk.length) flush();
  }

  public synchronized void write(byte[] b) {
    for (byte x : b) write(x);
    flush();
  }

  public synchronized void flush() {
    if (filled == 0) return;
    byte[] c = java.util.Arrays.copyOf(chunk, filled);
    filled = 0;
    try {
      queue.put(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void drain() {
    try {
      while (true) {
        byte[] c = queue.take();
        if (c == END) break;
        sink.write(c);
        if (queue.isEmpty()) sink.flush();
      }
      sink.flush();
    } catch (InterruptedException | IOException e) {
      // the console is gone: the guest keeps running, its output is dropped
    }
  }

  @Override
  public void close() {
    flush();
    try {
      queue.put(END);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
