package dockyard.hyperkit.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qcow2 backend against qemu's own tools: qemu-img makes and checks images, qemu-io writes them. */
class Qcow2Test {
  @TempDir Path tmp;

  @BeforeEach
  void tools() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed (Debian package qemu-utils)");
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out;
  }

  @Test
  void writesAreReadBackAndQemuImgFindsTheImageConsistent() throws Exception {
    for (String compat : new String[] {"0.10", "1.1"}) {
      Path img = tmp.resolve("disk-" + compat + ".qcow2");
      run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=" + compat + ",cluster_size=65536", img.toString(), "256M");
      byte[] expected = new byte[256 << 20 >> 4]; // a model of the first 16 MiB
      Random r = new Random(1);
      try (Qcow2 q = Qcow2.open(img, false)) {
        assertEquals(256L << 20, q.size());
        long[] offsets = {0, 512, 65536 - 100, 3 << 20, (8 << 20) + 4096, (16 << 20) - 7000};
        for (long off : offsets) {
          byte[] data = new byte[5000 + r.nextInt(70000)];
          r.nextBytes(data);
          int n = (int) Math.min(data.length, expected.length - off);
          q.write(off, ByteBuffer.wrap(data, 0, n));
          System.arraycopy(data, 0, expected, (int) off, n);
        }
        ByteBuffer all = ByteBuffer.allocate(expected.length);
        q.read(0, all);
        assertArrayEquals(expected, all.array());
        q.flush();
      }
      String check = run("qemu-img", "check", img.toString());
      assertTrue(check.contains("No errors were found"), check);
      Path raw = tmp.resolve("raw-" + compat);
      run("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
      byte[] converted = Files.readAllBytes(raw);
      assertArrayEquals(expected, java.util.Arrays.copyOf(converted, expected.length), "qemu reads what we wrote");
    }
  }

  @Test
  void readsWhatQemuWrote() throws Exception {
    Path img = tmp.resolve("q.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "64M");
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 1M 128k", img.toString());
    try (Qcow2 q = Qcow2.open(img, true)) {
      ByteBuffer b = ByteBuffer.allocate(256 << 10);
      q.read((1 << 20) - (64 << 10), b);
      for (int i = 0; i < (64 << 10); i++) assertEquals(0, b.get(i), "unallocated reads as zero");
      for (int i = 64 << 10; i < (192 << 10); i++) assertEquals((byte) 0xab, b.get(i));
      assertThrows(IOException.class, () -> q.write(0, ByteBuffer.allocate(512)));
    }
  }

  @Test
  void refusesWhatItCannotServe() throws Exception {
    Path base = tmp.resolve("base.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M");
    Path overlay = tmp.resolve("overlay.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", overlay.toString());
    IOException e = assertThrows(IOException.class, () -> Qcow2.open(overlay, false));
    assertTrue(e.getMessage().contains("backing file"), e.getMessage());
    Path notQcow = Files.write(tmp.resolve("x"), new byte[1024]);
    assertTrue(assertThrows(IOException.class, () -> Qcow2.open(notQcow, false)).getMessage().contains("not a qcow2 image"));
  }
}
