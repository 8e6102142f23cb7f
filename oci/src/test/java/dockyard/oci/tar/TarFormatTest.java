package dockyard.oci.tar;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.testing.RandomTree;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarFormatTest {
  @TempDir Path dir;

  private static byte[] tar(TarEntry... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter w = new TarWriter(out)) {
      for (TarEntry e : entries) w.add(e, new byte[(int) e.size()]);
    }
    return out.toByteArray();
  }

  private static List<TarEntry> entries(byte[] tar) throws IOException {
    return TarRoundTripTest.read(new ByteArrayInputStream(tar)).stream().map(RandomTree.Item::entry).toList();
  }

  @Test
  void namesUseTheUstarFieldsWhileTheyFitAndPaxBeyond() throws IOException {
    String n100 = "d/" + "a".repeat(98);
    String n101 = "d".repeat(50) + "/" + "b".repeat(50);
    String splitAt155 = "p".repeat(155) + "/" + "n".repeat(100);
    String unsplittable = "x".repeat(101);
    byte[] t = tar(TarEntry.file(n100, 0, 0644), TarEntry.file(n101, 0, 0644), TarEntry.file(splitAt155, 0, 0644), TarEntry.file(unsplittable, 0, 0644));
    // four ustar headers and one pax header (for the last) before the two end blocks
    assertEquals((4 + 2 + 2) * 512, t.length);
    assertEquals('0', t[Ustar.TYPEFLAG]);
    assertEquals(n100, new String(t, 0, 100, StandardCharsets.US_ASCII));
    assertEquals("d".repeat(50), new String(Ustar.cstring(t, 512 + Ustar.PREFIX, Ustar.PREFIX_LEN), StandardCharsets.US_ASCII));
    assertEquals('x', t[3 * 512 + Ustar.TYPEFLAG]);
    assertEquals(List.of(n100, n101, splitAt155, unsplittable), entries(t).stream().map(TarEntry::name).toList());
  }

  @Test
  void sizesOfEightGibibytesAndMoreGoThroughPaxAndPythonAgrees() throws Exception {
    long size = 9L << 30;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    OutputStream firstBlocks = new OutputStream() {
      @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }
      @Override public void write(byte[] b, int off, int len) throws IOException {
        int room = 3 * 512 - captured.size();
        captured.write(b, off, Math.min(room, len));
        if (len > room) throw new IOException("enough");
      }
    };
    InputStream zeros = new InputStream() {
      @Override public int read() { return 0; }
      @Override public int read(byte[] b, int off, int len) { Arrays.fill(b, off, off + len, (byte) 0); return len; }
    };
    TarWriter w = new TarWriter(firstBlocks);
    assertThrows(IOException.class, () -> w.add(TarEntry.file("huge", size, 0644), zeros));
    byte[] head = captured.toByteArray();
    assertEquals('x', head[Ustar.TYPEFLAG]);
    try (TarReader r = new TarReader(new ByteArrayInputStream(head))) {
      TarEntry e = r.next();
      assertEquals("huge", e.name());
      assertEquals(size, e.size());
      TarFormatException truncated = assertThrows(TarFormatException.class, r::next);
      assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }
    Path f = dir.resolve("head.tar");
    Files.write(f, head);
    String py = Tools.require("python3", "python3");
    Tools.Result r = Tools.ok(py, "-c", "import tarfile,sys\nt=tarfile.open(sys.argv[1],'r|')\nm=t.next()\nprint(m.name,m.size)", f.toString());
    assertEquals("huge " + size, r.stdout().trim());
  }

  @Test
  void gnuBase256NumbersAreRead() throws Exception {
    String py = Tools.require("python3", "python3");
    Path f = dir.resolve("gnu.bin");
    Tools.ok(py, "-c", """
        import tarfile,sys
        i=tarfile.TarInfo('big'); i.size=9*2**30; i.uid=2**40; i.mtime=2**36
        open(sys.argv[1],'wb').write(i.tobuf(tarfile.GNU_FORMAT))""", f.toString());
    byte[] header = Files.readAllBytes(f);
    assertEquals(0x80, header[Ustar.SIZE] & 0xff, "python wrote base-256");
    try (TarReader r = new TarReader(new ByteArrayInputStream(header))) {
      TarEntry e = r.next();
      assertEquals(9L << 30, e.size());
      assertEquals(1L << 40, e.uid());
      assertEquals(Instant.ofEpochSecond(1L << 36), e.modified());
    }
    // and device numbers too big for octal are written the same way
    byte[] dev = tar(TarEntry.device(TarEntry.Type.CHAR_DEVICE, "dev", 0600, 1 << 22, 7));
    assertEquals(1 << 22, entries(dev).getFirst().devMajor());
    Path d = dir.resolve("dev.tar");
    Files.write(d, dev);
    assertEquals("4194304 7", Tools.ok(py, "-c", "import tarfile,sys\nm=tarfile.open(sys.argv[1]).getmembers()[0]\nprint(m.devmajor,m.devminor)", d.toString()).stdout().trim());
  }

  @Test
  void gnuLongNamesAndLinksAreRead() throws Exception {
    String gnuTar = Tools.require("tar", "tar");
    Path tree = Files.createDirectories(dir.resolve("tree"));
    String deep = "d".repeat(120) + "/" + "e".repeat(120);
    Files.createDirectories(tree.resolve(deep));
    Files.writeString(tree.resolve(deep).resolve("file-with-a-long-name-" + "f".repeat(100)), "content");
    String target = "/" + "t".repeat(150);
    Files.createSymbolicLink(tree.resolve("link"), Path.of(target));
    Path archive = dir.resolve("gnu.tar");
    Tools.ok(gnuTar, "--format=gnu", "--sort=name", "-C", tree.toString(), "-cf", archive.toString(), ".");
    byte[] bytes = Files.readAllBytes(archive);
    assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("././@LongLink"), "GNU tar used its long-name records");
    try (TarReader r = new TarReader(new ByteArrayInputStream(bytes))) {
      boolean sawFile = false, sawLink = false;
      for (TarEntry e; (e = r.next()) != null; ) {
        if (e.name().equals("./" + deep + "/file-with-a-long-name-" + "f".repeat(100))) {
          sawFile = true;
          assertEquals("content", new String(r.contents().readAllBytes(), StandardCharsets.UTF_8));
        }
        if (e.name().equals("./link")) {
          sawLink = true;
          assertEquals(target, e.linkName());
        }
      }
      assertTrue(sawFile && sawLink);
    }
  }

  @Test
  void everyTruncationIsAnError() throws IOException {
    byte[] whole = tar(TarEntry.directory("dir", 0755), TarEntry.file("dir/file", 1000, 0644), TarEntry.file("x".repeat(300), 10, 0600),
        TarEntry.symlink("s", "dir/file"));
    assertEquals(4, entries(whole).size());
    for (int cut = 0; cut < whole.length - 512; cut += 97) {
      byte[] part = Arrays.copyOf(whole, cut);
      TarFormatException e = assertThrows(TarFormatException.class, () -> entries(part), "cut at " + cut);
      assertTrue(e.getMessage().startsWith("truncated tar"), e.getMessage());
    }
    TarFormatException e = assertThrows(TarFormatException.class, () -> entries(Arrays.copyOf(whole, whole.length - 1024)));
    assertTrue(e.getMessage().contains("without its end-of-archive marker (last entry: s)"), e.getMessage());
    assertEquals(4, entries(Arrays.copyOf(whole, whole.length - 512)).size(), "one zero block then EOF is a complete archive, as Go and GNU tar read it");
    e = assertThrows(TarFormatException.class, () -> entries(Arrays.copyOf(whole, 1024 + 300)));
    assertEquals("truncated tar: the data of dir/file (entry at offset 512, 1000 bytes) ends at offset 1324", e.getMessage());
  }

  @Test
  void corruptHeadersAndNonTarsAreRefused() throws IOException {
    byte[] t = tar(TarEntry.file("a", 3, 0644), TarEntry.file("b", 3, 0644));
    byte[] bad = t.clone();
    bad[1024 + 10] ^= 1; // the second header's name
    TarFormatException e = assertThrows(TarFormatException.class, () -> entries(bad));
    assertEquals("corrupt tar: bad header checksum at offset 1024 (not a tar archive, or damaged)", e.getMessage());
    byte[] random = new byte[4096];
    new java.util.Random(1).nextBytes(random);
    assertThrows(TarFormatException.class, () -> entries(random));
    byte[] zeroThenData = new byte[512 + t.length];
    System.arraycopy(t, 0, zeroThenData, 512, t.length);
    e = assertThrows(TarFormatException.class, () -> entries(zeroThenData));
    assertTrue(e.getMessage().contains("lone zero block"), e.getMessage());
    byte[] notUtf8 = t.clone();
    notUtf8[0] = (byte) 0xff;
    fixChecksum(notUtf8, 0);
    e = assertThrows(TarFormatException.class, () -> entries(notUtf8));
    assertTrue(e.getMessage().contains("name is not valid UTF-8"), e.getMessage());
    byte[] unknownType = t.clone();
    unknownType[Ustar.TYPEFLAG] = 'V';
    fixChecksum(unknownType, 0);
    e = assertThrows(TarFormatException.class, () -> entries(unknownType));
    assertEquals("unsupported tar entry a at offset 0: type 'V'", e.getMessage());
  }

  @Test
  void sparseFilesAreRefused() throws Exception {
    String gnuTar = Tools.require("tar", "tar");
    Path tree = Files.createDirectories(dir.resolve("tree"));
    try (var ch = java.nio.channels.FileChannel.open(tree.resolve("sparse"), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 1 << 20);
    }
    for (String format : List.of("gnu", "posix")) {
      Path archive = dir.resolve(format + ".tar");
      Tools.ok(gnuTar, "--format=" + format, "-S", "-C", tree.toString(), "-cf", archive.toString(), "sparse");
      TarFormatException e = assertThrows(TarFormatException.class, () -> entries(Files.readAllBytes(archive)));
      assertTrue(e.getMessage().contains("GNU sparse file"), format + ": " + e.getMessage());
    }
  }

  @Test
  void globalPaxRecordsApplyToLaterEntriesUnlessOverridden() throws IOException {
    byte[] records = TarWriter.paxRecord("uid", "4242");
    byte[] g = new byte[512];
    Ustar.putAscii(g, Ustar.NAME, Ustar.NAME_LEN, "GlobalHead");
    Ustar.putOctal(g, Ustar.MODE, Ustar.MODE_LEN, 0644);
    Ustar.putOctal(g, Ustar.SIZE, Ustar.SIZE_LEN, records.length);
    g[Ustar.TYPEFLAG] = 'g';
    Ustar.putAscii(g, Ustar.MAGIC, Ustar.MAGIC_LEN, "ustar\0");
    fixChecksum(g, 0);
    byte[] rest = tar(TarEntry.file("a", 0, 0644), TarEntry.file("b", 0, 0644).withOwner(1, 0));
    byte[] all = new byte[1024 + rest.length];
    System.arraycopy(g, 0, all, 0, 512);
    System.arraycopy(records, 0, all, 512, records.length);
    System.arraycopy(rest, 0, all, 1024, rest.length);
    List<TarEntry> es = entries(all);
    assertEquals(4242, es.get(0).uid());
    assertEquals(4242, es.get(1).uid(), "a ustar field does not override a global pax record");
  }

  @Test
  void pythonReadsEveryFieldOursWrites() throws Exception {
    String py = Tools.require("python3", "python3");
    for (long seed = 1; seed <= 20; seed++) {
      List<RandomTree.Item> items = RandomTree.generate(seed, true);
      Path f = dir.resolve("t" + seed + ".tar");
      Files.write(f, TarRoundTripTest.write(items));
      String out = Tools.ok(py, "-c", """
          import tarfile,sys,hashlib
          with tarfile.open(sys.argv[1]) as t:
              for m in t.getmembers():
                  d=t.extractfile(m).read() if m.isreg() else b''
                  print(repr((m.name,m.type.decode(),m.mode,m.uid,m.gid,m.uname,m.gname,m.size,m.mtime,m.linkname,m.devmajor,m.devminor,hashlib.sha256(d).hexdigest())))
          """, f.toString()).stdout();
      List<String> lines = out.lines().toList();
      assertEquals(items.size(), lines.size());
      for (int i = 0; i < items.size(); i++) {
        TarEntry e = items.get(i).entry();
        String line = lines.get(i);
        assertTrue(line.startsWith("(" + pyRepr(e.name()) + ", '" + e.type().flag() + "', " + e.mode() + ", " + e.uid() + ", " + e.gid() + ", "
            + pyRepr(e.userName()) + ", " + pyRepr(e.groupName()) + ", " + e.size() + ", "), "want " + e + "\n got " + line);
        assertTrue(line.endsWith(", " + pyRepr(e.linkName()) + ", " + e.devMajor() + ", " + e.devMinor() + ", '"
            + dockyard.oci.Digest.sha256(items.get(i).data()).hex() + "')"), "want " + e + "\n got " + line);
      }
    }
  }

  private static String pyRepr(String s) {
    return s.contains("'") ? "\"" + s + "\"" : "'" + s + "'";
  }

  private static void fixChecksum(byte[] tar, int at) {
    byte[] h = Arrays.copyOfRange(tar, at, at + 512);
    long sum = Ustar.unsignedChecksum(h);
    String s = String.format("%06o", sum);
    for (int i = 0; i < 6; i++) tar[at + Ustar.CHKSUM + i] = (byte) s.charAt(i);
    tar[at + Ustar.CHKSUM + 6] = 0;
    tar[at + Ustar.CHKSUM + 7] = ' ';
  }
}
