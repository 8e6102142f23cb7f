package dockyard.oci.tar;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.testing.OnDisk;
import dockyard.oci.testing.RandomTree;
import dockyard.oci.testing.RandomTree.Item;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/** Tar round trips: ours to ours, ours to GNU tar, GNU tar (gnu and posix formats) to ours. */
class TarRoundTripTest {
  private Path work;

  @BeforeTry
  void makeWorkDir() throws IOException {
    work = Files.createTempDirectory("tar-rt");
  }

  @AfterTry
  void removeWorkDir() throws IOException {
    dockyard.oci.fs.SafeFiles.deleteTree(work);
  }

  static byte[] write(List<Item> items) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(out)) {
      for (Item i : items) tar.add(i.entry(), i.data());
    }
    return out.toByteArray();
  }

  static List<Item> read(InputStream in) throws IOException {
    List<Item> out = new ArrayList<>();
    try (TarReader tar = new TarReader(in)) {
      for (TarEntry e; (e = tar.next()) != null; ) out.add(new Item(e, tar.contents().readAllBytes()));
    }
    return out;
  }

  private static TarEntry asWritten(TarEntry e) {
    return e.isDirectory() && !e.name().endsWith("/") ? e.withName(e.name() + "/") : e;
  }

  @Property(tries = 300)
  void oursReadsWhatOursWrites(@ForAll long seed) throws IOException {
    List<Item> items = RandomTree.generate(seed, true);
    byte[] tar = write(items);
    assertEquals(0, tar.length % 512);
    List<Item> back = read(new ByteArrayInputStream(tar));
    assertEquals(items.size(), back.size());
    for (int i = 0; i < items.size(); i++) {
      assertEquals(asWritten(items.get(i).entry()), back.get(i).entry());
      assertArrayEquals(items.get(i).data(), back.get(i).data(), items.get(i).entry().name());
    }
    assertArrayEquals(tar, write(items), "the same entries make the same bytes");
  }

  @Property(tries = 40)
  void gnuTarListsAndExtractsWhatOursWrites(@ForAll long seed) throws Exception {
    String gnuTar = Tools.require("tar", "tar");
    boolean root = Tools.isRoot();
    List<Item> items = RandomTree.generate(seed, root);
    Path archive = work.resolve("ours.tar");
    Files.write(archive, write(items));

    Tools.Result listing = Tools.ok(gnuTar, "-tvf", archive.toString());
    assertEquals("", listing.stderr());
    assertEquals(items.size(), listing.stdout().lines().count(), listing.stdout());

    Path out = Files.createDirectories(work.resolve("x"));
    // the random times include the far future (pax mtimes past year 2514): GNU tar would warn about each
    List<String> extract = new ArrayList<>(List.of(gnuTar, "--warning=no-timestamp", "-xpf", archive.toString(), "-C", out.toString()));
    if (root) extract.addAll(List.of("--same-owner", "--numeric-owner"));
    Tools.Result r = Tools.ok(extract);
    assertEquals("", r.stderr());
    for (Item i : items) OnDisk.check(out, i, root, true, true);
  }

  @Property(tries = 25)
  void oursReadsWhatGnuTarWritesInGnuAndPosixFormats(@ForAll long seed) throws Exception {
    String gnuTar = Tools.require("tar", "tar");
    boolean root = Tools.isRoot();
    List<Item> items = RandomTree.generate(seed, root);
    Path archive = work.resolve("ours.tar");
    Files.write(archive, write(items));
    Path tree = Files.createDirectories(work.resolve("tree"));
    List<String> extract = new ArrayList<>(List.of(gnuTar, "--warning=no-timestamp", "-xpf", archive.toString(), "-C", tree.toString()));
    if (root) extract.addAll(List.of("--same-owner", "--numeric-owner"));
    Tools.ok(extract);

    for (String format : List.of("gnu", "posix")) {
      Path theirs = work.resolve(format + ".tar");
      Tools.ok(gnuTar, "--format=" + format, "--sort=name", "-C", tree.toString(), "-cf", theirs.toString(), ".");
      Map<String, Item> byName = new LinkedHashMap<>();
      try (InputStream in = Files.newInputStream(theirs)) {
        for (Item i : read(in)) byName.put(normalize(i.entry().name()), i);
      }
      assertTrue(byName.containsKey(""), "the ./ entry");
      assertEquals(items.size() + 1, byName.size(), format + ": " + byName.keySet());
      for (Item want : items) {
        String name = normalize(want.entry().name());
        Item got = byName.get(name);
        assertNotNull(got, format + ": missing " + name);
        TarEntry w = want.entry();
        TarEntry g = got.entry();
        String what = format + " " + name;
        if (w.type() == TarEntry.Type.REGULAR || w.type() == TarEntry.Type.HARDLINK) {
          // GNU tar picks which name of a hardlinked file carries the data: compare the content behind it
          byte[] wantData = w.type() == TarEntry.Type.HARDLINK ? dataOf(items, w.linkName()) : want.data();
          byte[] gotData = g.type() == TarEntry.Type.HARDLINK ? byName.get(normalize(g.linkName())).data() : got.data();
          assertArrayEquals(wantData, gotData, what);
        } else {
          assertEquals(w.type(), g.type(), what);
        }
        if (w.type() == TarEntry.Type.SYMLINK) assertEquals(w.linkName(), g.linkName(), what);
        if (w.type().isDevice()) {
          assertEquals(w.devMajor(), g.devMajor(), what);
          assertEquals(w.devMinor(), g.devMinor(), what);
        }
        if (w.type() != TarEntry.Type.SYMLINK) {
          TarEntry modeSource = w.type() == TarEntry.Type.HARDLINK ? entryOf(items, w.linkName()) : w;
          int gotMode = g.mode();
          if (w.isDirectory() && (w.mode() & 02000) == 0) gotMode &= ~02000; // see OnDisk.check: GNU tar's extraction, not its archive
          assertEquals(Integer.toOctalString(modeSource.mode()), Integer.toOctalString(gotMode), what);
          Instant t = modeSource.modified();
          if (format.equals("gnu")) t = Instant.ofEpochSecond(t.getEpochSecond());
          if (!w.isDirectory()) assertEquals(t, g.modified(), what); // see checkOnDisk on directory times
          if (root) {
            assertEquals(modeSource.uid(), g.uid(), what);
            assertEquals(modeSource.gid(), g.gid(), what);
          }
        }
      }
    }
  }

  private static String normalize(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name.equals(".") ? "" : name;
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  private static TarEntry entryOf(List<Item> items, String name) {
    return items.stream().map(Item::entry).filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }

  private static byte[] dataOf(List<Item> items, String name) {
    return items.stream().filter(i -> i.entry().name().equals(name)).findFirst().orElseThrow().data();
  }
}
