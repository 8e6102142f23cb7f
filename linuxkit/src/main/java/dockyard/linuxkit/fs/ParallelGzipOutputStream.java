package dockyard.linuxkit.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One gzip member compressed on every core, as pigz does: the input is cut into 1 MiB blocks, each
 * deflated on its own with the previous block's last 32 KiB as its dictionary and ended with a
 * sync flush, so the pieces concatenate into one ordinary deflate stream. The bytes depend only on
 * the input (not on the number of threads), so outputs stay reproducible. The header carries no
 * name and mtime 0; the CRC is computed in order on the calling thread.
 */
public final class ParallelGzipOutputStream extends OutputStream {
  static final int BLOCK = 1 << 20;
  static final int DICT = 32 << 10;
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final OutputStream out;
  private final int level;
  private final ExecutorService pool;
  private final int maxInFlight;
  private final ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
  private final CRC32 crc = new CRC32();
  private byte[] block = new byte[BLOCK];
  private int filled;
  private byte[] dictionary;
  private long total;
  private boolean finished;

  public ParallelGzipOutputStream(OutputStream out, int level) throws IOException {
    this.out = out;
    this.level = level;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "gzip");
      t.setDaemon(true);
      return t;
    });
    this.maxInFlight = threads * 2; // bounds memory to a few blocks per core
    out.write(HEADER);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) throw new IOException("stream finished");
    while (len > 0) {
      int n = Math.min(len, BLOCK - filled);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BLOCK) submit(false);
    }
  }

  private void submit(boolean last) throws IOException {
    byte[] input = filled == block.length ? block : Arrays.copyOf(block, filled);
    int length = filled;
    crc.update(input, 0, length);
    total += length;
    byte[] dict = dictionary;
    inFlight.add(pool.submit(() -> deflate(input, length, dict, last)));
    dictionary = Arrays.copyOfRange(input, Math.max(0, length - DICT), length);
    block = new byte[BLOCK];
    filled = 0;
    while (inFlight.size() >= maxInFlight) drainOne();
  }

  private byte[] deflate(byte[] input, int length, byte[] dict, boolean last) {
    Deflater d = new Deflater(level, true);
    try {
      if (dict != null && dict.length > 0) d.setDictionary(dict);
      d.setInput(input, 0, length);
      if (last) d.finish();
      byte[] buf = new byte[length + (length >> 3) + 1024];
      int n = 0;
      int mode = last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH;
      while (true) {
        n += d.deflate(buf, n, buf.length - n, mode);
        // a flush is complete when deflate leaves room in the buffer; the last block when finished
        if (last ? d.finished() : n < buf.length) break;
        if (n == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
      }
      return Arrays.copyOf(buf, n);
    } finally {
      d.end();
    }
  }

  private void drainOne() throws IOException {
    try {
      out.write(inFlight.removeFirst().get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compressing");
    } catch (ExecutionException e) {
      throw new IOException("compression failed: " + e.getCause(), e.getCause());
    }
  }

  /** Writes the last block and the trailer; does not close the underlying stream. */
  public void finish() throws IOException {
    if (finished) return;
    try {
      submit(true);
      while (!inFlight.isEmpty()) drainOne();
      long c = crc.getValue();
      out.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
          (byte) total, (byte) (total >> 8), (byte) (total >> 16), (byte) (total >> 24)});
      out.flush();
    } finally {
      finished = true;
      pool.shutdownNow();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      out.close();
    }
  }
}
