package dockyard.linuxkit.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioWriterTest {
  @TempDir Path tmp;

  /** Output of a process fed {@code input}; fails on a non-zero exit. */
  static String run(Path dir, byte[] input, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) pb.directory(dir.toFile());
    Process p = pb.start();
    Thread feed = Thread.ofVirtual().start(() -> {
      try (var in = p.getOutputStream()) {
        if (input != null) in.write(input);
      } catch (IOException ignored) {
        // the process ended early; its exit code tells
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    feed.join();
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }

  FsTree sample() throws IOException {
    Path disk = Files.write(tmp.resolve("disk.bin"), "from disk\n".repeat(100).getBytes(StandardCharsets.UTF_8));
    FsTree t = new FsTree();
    t.put("etc", new FsTree.Dir(0755, 0, 0));
    t.put("etc/hostname", new FsTree.File(0644, 0, 0, FsTree.Bytes.of("linuxkit\n")));
    t.put("etc/secret", new FsTree.File(0600, 0, 0, FsTree.Bytes.of("abc")));
    t.put("bin/big", new FsTree.File(0755, 0, 0, new FsTree.OnDisk(disk)));
    t.put("bin/sh", new FsTree.Symlink("/bin/big", 0, 0));
    t.put("empty", new FsTree.File(0644, 0, 0, new FsTree.Bytes(new byte[0])));
    t.put("run/fifo", new FsTree.Special('p', 0620, 0, 0, 0, 0));
    t.put("dev/null", new FsTree.Special('c', 0666, 0, 0, 1, 3));
    t.put("var/lib/empty", new FsTree.Dir(0700, 0, 0));
    return t;
  }

  static byte[] cpio(FsTree t) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CpioWriter w = new CpioWriter(out);
    w.writeAll(t, p -> true);
    w.finish();
    return out.toByteArray();
  }

  @Test
  void gnuCpioListsEntries() throws Exception {
    FsTree t = sample();
    byte[] archive = cpio(t);
    String list = run(null, archive, "cpio", "-it", "--quiet");
    assertEquals(new ArrayList<>(t.entries().keySet()), List.of(list.strip().split("\n")));

    String verbose = run(null, archive, "cpio", "-itv", "--quiet");
    Map<String, String> lines = new java.util.HashMap<>();
    for (String l : verbose.strip().split("\n")) {
      String[] f = l.trim().split("\\s+");
      String name = l.contains(" -> ") ? f[f.length - 3] : f[f.length - 1];
      lines.put(name, l);
    }
    assertTrue(lines.get("dev/null").startsWith("crw-rw-rw-"), lines.get("dev/null"));
    assertTrue(lines.get("dev/null").matches(".*\\b1,\\s+3\\b.*"), lines.get("dev/null"));
    assertTrue(lines.get("run/fifo").startsWith("prw--w----"), lines.get("run/fifo"));
    assertTrue(lines.get("bin/sh").startsWith("lrwxrwxrwx"), lines.get("bin/sh"));
    assertTrue(lines.get("bin/sh").endsWith("bin/sh -> /bin/big"), lines.get("bin/sh"));
    assertTrue(lines.get("etc/secret").startsWith("-rw-------"), lines.get("etc/secret"));
    assertTrue(lines.get("var/lib/empty").startsWith("drwx------"), lines.get("var/lib/empty"));
    assertTrue(lines.get("bin/big").contains(" 1000 "), lines.get("bin/big"));
    for (String l : lines.values()) assertTrue(l.contains("1970"), "mtime 0: " + l);
  }

  @Test
  void gnuCpioExtracts() throws Exception {
    byte[] archive = cpio(sample());
    Path out = Files.createDirectory(tmp.resolve("out"));
    // devices need root to create, so the device is left out here (its header is checked above)
    run(out, archive, "cpio", "-idm", "--quiet", "--no-absolute-filenames", "-f", "dev/null");
    assertEquals("linuxkit\n", Files.readString(out.resolve("etc/hostname")));
    assertEquals("abc", Files.readString(out.resolve("etc/secret")));
    assertEquals("from disk\n".repeat(100), Files.readString(out.resolve("bin/big")));
    assertEquals(0, Files.size(out.resolve("empty")));
    assertEquals(Path.of("/bin/big"), Files.readSymbolicLink(out.resolve("bin/sh")));
    assertEquals(0600, mode(out.resolve("etc/secret")));
    assertEquals(0755, mode(out.resolve("bin/big")));
    assertEquals(0700, mode(out.resolve("var/lib/empty")));
    assertEquals(0010620, (Integer) Files.getAttribute(out.resolve("run/fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS));
    assertEquals(0L, Files.getLastModifiedTime(out.resolve("etc/hostname")).toMillis());
  }

  static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static long field(byte[] a, int start, int index) {
    return Long.parseLong(new String(a, start + 6 + index * 8, 8, StandardCharsets.US_ASCII), 16);
  }

  @Test
  void headerFields() throws Exception {
    FsTree t = new FsTree();
    t.put("etc/hostname", new FsTree.File(0644, 7, 8, FsTree.Bytes.of("linuxkit\n")));
    byte[] a = cpio(t);
    // first entry: the parent directory "etc"
    assertEquals("070701", new String(a, 0, 6, StandardCharsets.US_ASCII));
    assertEquals(1, field(a, 0, 0), "ino");
    assertEquals(0040755, field(a, 0, 1), "mode");
    assertEquals(0, field(a, 0, 2), "uid");
    assertEquals(2, field(a, 0, 4), "nlink");
    assertEquals(0, field(a, 0, 5), "mtime");
    assertEquals(0, field(a, 0, 6), "filesize");
    assertEquals(4, field(a, 0, 11), "namesize counts the NUL");
    assertEquals("etc\0", new String(a, 110, 4, StandardCharsets.US_ASCII));
    // 110 + 4 = 114, padded to 116
    int second = 116;
    assertEquals("070701", new String(a, second, 6, StandardCharsets.US_ASCII));
    assertEquals(2, field(a, second, 0), "ino");
    assertEquals(0100644, field(a, second, 1));
    assertEquals(7, field(a, second, 2));
    assertEquals(8, field(a, second, 3));
    assertEquals(0, field(a, second, 5));
    assertEquals(9, field(a, second, 6));
    assertEquals(13, field(a, second, 11));
    int data = second + 110 + 13; // 239, padded to 240
    assertEquals(240, (data + 3) / 4 * 4);
    assertEquals("linuxkit\n", new String(a, 240, 9, StandardCharsets.US_ASCII));
    int trailer = (240 + 9 + 3) / 4 * 4;
    assertEquals("070701", new String(a, trailer, 6, StandardCharsets.US_ASCII));
    assertEquals(0, field(a, trailer, 0), "the trailer's ino is 0");
    assertEquals(11, field(a, trailer, 11));
    assertEquals("TRAILER!!!\0", new String(a, trailer + 110, 11, StandardCharsets.US_ASCII));
  }

  @Test
  void paddedTo512AndEndsWithTrailer() throws Exception {
    for (FsTree t : List.of(new FsTree(), sample())) {
      byte[] a = cpio(t);
      assertEquals(0, a.length % 512, "length " + a.length);
      String s = new String(a, StandardCharsets.ISO_8859_1);
      int at = s.lastIndexOf("TRAILER!!!");
      assertTrue(at > 0);
      for (int i = at + 10; i < a.length; i++) assertEquals(0, a[i], "only zeros after the trailer");
    }
    assertEquals(512, cpio(new FsTree()).length);
  }

  @Test
  void deterministic() throws Exception {
    byte[] one = cpio(sample());
    byte[] two = cpio(sample());
    assertArrayEquals(one, two);
  }

  @Test
  void includeFilters() throws Exception {
    FsTree t = sample();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CpioWriter w = new CpioWriter(out);
    w.writeAll(t, p -> p.startsWith("etc"));
    w.finish();
    String list = run(null, out.toByteArray(), "cpio", "-it", "--quiet");
    assertEquals(List.of("etc", "etc/hostname", "etc/secret"), Arrays.asList(list.strip().split("\n")));
  }

  @Test
  void fileFromDiskSizeInHeader() throws Exception {
    Path f = Files.writeString(tmp.resolve("three"), "abc");
    FsTree t = new FsTree();
    t.put("three", new FsTree.File(0644, 0, 0, new FsTree.OnDisk(f)));
    byte[] a = cpio(t);
    assertEquals(3, field(a, 0, 6));
    assertEquals("abc", new String(a, 116, 3, StandardCharsets.US_ASCII)); // 110 + "three\0" = 116, already aligned
  }

  @Test
  void tarOutputListsSameNames() throws Exception {
    FsTree t = sample();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarOutput.write(t, p -> true, out);
    byte[] tar = out.toByteArray();
    String names = run(null, tar, "tar", "-tf", "-");
    List<String> expected = new ArrayList<>();
    for (var e : t.entries().entrySet()) expected.add(e.getKey() + (e.getValue() instanceof FsTree.Dir ? "/" : ""));
    assertEquals(expected, List.of(names.strip().split("\n")));

    String verbose = run(null, tar, "tar", "--utc", "-tvf", "-");
    for (String l : verbose.strip().split("\n")) assertTrue(l.contains("1970-01-01 00:00"), "epoch time: " + l);
    assertTrue(verbose.contains("bin/sh -> /bin/big"), verbose);
    assertTrue(verbose.lines().anyMatch(l -> l.startsWith("crw-rw-rw-") && l.matches(".*\\b1,3\\b.*") && l.endsWith("dev/null")), verbose);
    assertTrue(verbose.lines().anyMatch(l -> l.startsWith("prw--w----") && l.endsWith("run/fifo")), verbose);
    assertTrue(verbose.lines().anyMatch(l -> l.startsWith("-rw-------") && l.endsWith("etc/secret")), verbose);

    ByteArrayOutputStream again = new ByteArrayOutputStream();
    TarOutput.write(sample(), p -> true, again);
    assertArrayEquals(tar, again.toByteArray());
  }
}
