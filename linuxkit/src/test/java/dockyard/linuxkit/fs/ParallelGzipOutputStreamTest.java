package dockyard.linuxkit.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTest {
  static byte[] compress(byte[] data, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, 6);
    for (int i = 0; i < data.length; i += chunk) gz.write(data, i, Math.min(chunk, data.length - i));
    gz.finish();
    return out.toByteArray();
  }

  /** Half random, half repetitive, so both stored-like and well-compressed blocks occur. */
  static byte[] sample(int size, long seed) {
    byte[] b = new byte[size];
    Random r = new Random(seed);
    for (int i = 0; i < size; i++) b[i] = (i / 4096) % 2 == 0 ? (byte) r.nextInt() : (byte) ("abcdefgh".charAt(i % 8));
    return b;
  }

  @Test
  void roundTripsAtBlockEdgesAndIsTheSameWhateverTheWriteSizes() throws Exception {
    int block = ParallelGzipOutputStream.BLOCK;
    for (int size : new int[] {0, 1, 1000, block - 1, block, block + 1, 3 * block, 3 * block + 12345}) {
      byte[] data = sample(size, size);
      byte[] gz = compress(data, 7777);
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
        assertArrayEquals(data, in.readAllBytes(), "size " + size);
      }
      assertArrayEquals(gz, compress(data, 1 << 16), "bytes depend only on the input (size " + size + ")");
    }
  }

  @Test
  void gnuGzipAcceptsItAndTheDictionaryKeepsTheRatio(@TempDir Path tmp) throws Exception {
    byte[] data = new byte[5 * ParallelGzipOutputStream.BLOCK];
    for (int i = 0; i < data.length; i++) data[i] = (byte) ("the quick brown fox " + (i / 100)).charAt(i % 20);
    Path f = tmp.resolve("x.gz");
    Files.write(f, compress(data, 1 << 16));
    Process p = new ProcessBuilder("gzip", "-t", f.toString()).redirectErrorStream(true).start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    try (var g = new java.util.zip.GZIPOutputStream(plain)) {
      g.write(data);
    }
    long ours = Files.size(f);
    // block boundaries cost a few bytes each, not a reset of the compressor's history
    assertEquals(plain.size(), ours, plain.size() / 50.0 + 100, "ours " + ours + " vs one-thread gzip " + plain.size());
  }
}
