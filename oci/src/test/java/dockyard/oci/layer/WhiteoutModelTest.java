package dockyard.oci.layer;

import static org.junit.jupiter.api.Assertions.*;

import dockyard.oci.fs.SafeFiles;
import dockyard.oci.tar.TarEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Two random layers, the upper one with whiteouts, opaque directories and replacements in a random
 * order, unpacked and compared with what the image-spec's rules say the result must be, computed
 * on a map of path to content.
 */
class WhiteoutModelTest {
  private static final String DIR = "<dir>";
  private static final String[] NAMES = {"a", "b", "c", "d", "e"};

  /** The lower layer: a random tree; returns path → DIR or file content, parents first. */
  private static TreeMap<String, String> lowerTree(Random r) {
    TreeMap<String, String> tree = new TreeMap<>();
    List<String> dirs = new ArrayList<>(List.of(""));
    for (int i = 0; i < 25; i++) {
      String parent = dirs.get(r.nextInt(dirs.size()));
      String path = (parent.isEmpty() ? "" : parent + "/") + NAMES[r.nextInt(NAMES.length)];
      if (tree.containsKey(path)) continue;
      if (r.nextInt(3) == 0 && path.split("/").length < 4) {
        tree.put(path, DIR);
        dirs.add(path);
      } else {
        tree.put(path, "lower " + path);
      }
    }
    return tree;
  }

  private static boolean isUnder(String path, String dir) {
    return path.startsWith(dir + "/");
  }

  @Property(tries = 200)
  void theUnpackedTreeIsWhatTheSpecSays(@ForAll long seed) throws IOException {
    Random r = new Random(seed);
    TreeMap<String, String> lower = lowerTree(r);
    TreeMap<String, String> state = new TreeMap<>(lower); // what the upper layer builds on, as it is built

    // upper additions: new files and directories, and replacements of lower files by directories or the reverse
    TreeMap<String, String> added = new TreeMap<>();
    for (int i = 0; i < 8; i++) {
      List<String> dirs = new ArrayList<>(List.of(""));
      state.forEach((p, v) -> { if (v.equals(DIR)) dirs.add(p); });
      String parent = dirs.get(r.nextInt(dirs.size()));
      String path = (parent.isEmpty() ? "" : parent + "/") + NAMES[r.nextInt(NAMES.length)];
      if (added.containsKey(path) || added.keySet().stream().anyMatch(a -> isUnder(a, path))) continue;
      String value = r.nextInt(3) == 0 ? DIR : "upper " + path + " " + i;
      if (!value.equals(DIR)) state.keySet().removeIf(p -> isUnder(p, path));
      state.put(path, value);
      added.put(path, value);
    }
    // whiteouts of lower paths this layer leaves alone, and opaque markers in directories
    List<String> opaque = new ArrayList<>();
    for (String p : lower.keySet()) {
      if (lower.get(p).equals(DIR) && state.getOrDefault(p, "").equals(DIR) && r.nextInt(5) == 0) opaque.add(p);
    }
    List<String> whiteouts = new ArrayList<>();
    for (String p : lower.keySet()) {
      // a well-formed layer whites out only what it does not itself contain (an opaque directory is content)
      boolean usedByUpper = Stream.concat(added.keySet().stream(), opaque.stream()).anyMatch(a -> a.equals(p) || isUnder(a, p));
      if (!usedByUpper && r.nextInt(5) == 0) whiteouts.add(p);
    }
    if (r.nextInt(4) == 0) opaque.add(""); // the root itself

    // what the spec says: lower, minus whiteouts, minus everything below an opaque directory, plus the upper layer
    TreeMap<String, String> expected = new TreeMap<>(lower);
    for (String w : whiteouts) expected.keySet().removeIf(p -> p.equals(w) || isUnder(p, w));
    for (String o : opaque) expected.keySet().removeIf(p -> o.isEmpty() ? !p.isEmpty() : isUnder(p, o));
    for (Map.Entry<String, String> a : added.entrySet()) {
      String p = a.getKey();
      if (!a.getValue().equals(DIR) || !DIR.equals(expected.get(p))) expected.keySet().removeIf(q -> q.equals(p) || isUnder(q, p));
      expected.put(p, a.getValue());
      for (String up = parentOf(p); !up.isEmpty(); up = parentOf(up)) expected.put(up, DIR); // implicit parents
    }
    for (String o : opaque) {
      for (String d = o; !d.isEmpty(); d = parentOf(d)) expected.put(d, DIR); // the marked directory is in the layer, with its parents
    }

    // the upper tar: additions parents first, markers anywhere
    List<Object[]> entries = new ArrayList<>();
    for (Map.Entry<String, String> a : added.entrySet()) entries.add(new Object[] {a.getKey(), a.getValue()});
    List<Object[]> markers = new ArrayList<>();
    for (String w : whiteouts) markers.add(new Object[] {(parentOf(w).isEmpty() ? "" : parentOf(w) + "/") + ".wh." + nameOf(w), ""});
    for (String o : opaque) {
      if (!o.isEmpty()) markers.add(new Object[] {o, DIR});
      markers.add(new Object[] {(o.isEmpty() ? "" : o + "/") + ".wh..wh..opq", ""});
    }
    for (Object[] m : markers) entries.add(r.nextInt(entries.size() + 1), m);
    // directories must precede their children; otherwise the interleaving stays random
    List<Object[]> ordered = parentsFirst(entries);

    Layers upper = Layers.tar();
    for (Object[] e : ordered) {
      if (e[1].equals(DIR)) upper.entry(TarEntry.directory((String) e[0], 0755));
      else upper.file((String) e[0], (String) e[1]);
    }
    Layers lowerTar = Layers.tar();
    for (Map.Entry<String, String> l : lower.entrySet()) {
      if (l.getValue().equals(DIR)) lowerTar.entry(TarEntry.directory(l.getKey(), 0755));
      else lowerTar.file(l.getKey(), l.getValue());
    }

    Path work = Files.createTempDirectory("whiteout-model");
    try {
      Path root = work.resolve("root");
      new LayerUnpacker().unpack(List.of(Layers.source("lower", lowerTar.bytes()), Layers.source("upper", upper.bytes())), root);
      assertEquals(expected, onDisk(root), "lower " + lower + "\nupper " + ordered.stream().map(e -> e[0] + "=" + e[1]).toList());
    } finally {
      SafeFiles.deleteTree(work);
    }
  }

  /** Stable: an entry whose parent directory is entered later moves behind it. */
  private static List<Object[]> parentsFirst(List<Object[]> entries) {
    List<Object[]> out = new ArrayList<>();
    List<Object[]> pending = new ArrayList<>(entries);
    while (!pending.isEmpty()) {
      for (int i = 0; i < pending.size(); i++) {
        String name = (String) pending.get(i)[0];
        boolean parentPending = pending.stream().anyMatch(o -> o[1].equals(DIR) && isUnder(name, (String) o[0]));
        if (!parentPending) {
          out.add(pending.remove(i));
          break;
        }
      }
    }
    return out;
  }

  private static String parentOf(String p) {
    int i = p.lastIndexOf('/');
    return i < 0 ? "" : p.substring(0, i);
  }

  private static String nameOf(String p) {
    return p.substring(p.lastIndexOf('/') + 1);
  }

  private static TreeMap<String, String> onDisk(Path root) throws IOException {
    TreeMap<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (p.equals(root)) continue;
        String rel = root.relativize(p).toString();
        out.put(rel, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIR : Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
