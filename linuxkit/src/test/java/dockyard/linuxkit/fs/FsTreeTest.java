package dockyard.linuxkit.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsTreeTest {
  private static FsTree.File file(String text) {
    return new FsTree.File(0644, 0, 0, FsTree.Bytes.of(text));
  }

  private static FsTree.Dir dir(int mode) {
    return new FsTree.Dir(mode, 0, 0);
  }

  @Test
  void putCreatesParents() {
    FsTree t = new FsTree();
    assertEquals("a/b/c/f", t.put("/a/b/c/f", file("x")));
    assertEquals(List.of("a", "a/b", "a/b/c", "a/b/c/f"), new ArrayList<>(t.entries().keySet()));
    for (String d : List.of("a", "a/b", "a/b/c")) {
      FsTree.Dir n = assertInstanceOf(FsTree.Dir.class, t.get(d));
      assertEquals(0755, n.mode());
      assertEquals(0, n.uid());
      assertEquals(0, n.gid());
    }
    assertTrue(t.contains("a/b/c/f"));
    assertTrue(t.contains("/a/./b//c/f"));
  }

  @Test
  void existingParentKeepsItsMode() {
    FsTree t = new FsTree();
    t.put("etc", dir(0700));
    t.put("etc/passwd", file("root"));
    assertEquals(0700, t.get("etc").mode());
  }

  @Test
  void laterEntryReplacesEarlier() {
    FsTree t = new FsTree();
    t.put("f", file("one"));
    FsTree.File two = file("two");
    t.put("f", two);
    assertEquals(two, t.get("f"));
  }

  @Test
  void fileReplacingDirectoryRemovesChildren() {
    FsTree t = new FsTree();
    t.put("d/x", file("x"));
    t.put("d/sub/y", file("y"));
    t.put("d0", file("sibling"));
    t.put("d.txt", file("sibling"));
    t.put("d", file("now a file"));
    assertInstanceOf(FsTree.File.class, t.get("d"));
    assertFalse(t.contains("d/x"));
    assertFalse(t.contains("d/sub"));
    assertFalse(t.contains("d/sub/y"));
    assertTrue(t.contains("d0"), "a sibling sharing the prefix stays");
    assertTrue(t.contains("d.txt"), "a sibling sharing the prefix stays");
  }

  @Test
  void directoryOverDirectoryKeepsChildren() {
    FsTree t = new FsTree();
    t.put("d/x", file("x"));
    t.put("d", new FsTree.Dir(0700, 5, 6));
    assertTrue(t.contains("d/x"));
    FsTree.Dir d = assertInstanceOf(FsTree.Dir.class, t.get("d"));
    assertEquals(0700, d.mode());
    assertEquals(5, d.uid());
  }

  @Test
  void removeRemovesSubtree() {
    FsTree t = new FsTree();
    t.put("d/x/y", file("y"));
    t.put("e", file("e"));
    t.remove("d");
    assertEquals(List.of("e"), new ArrayList<>(t.entries().keySet()));
  }

  @Test
  void pathThroughRelativeSymlink() {
    FsTree t = new FsTree();
    t.put("usr/lib", dir(0755));
    t.put("lib", new FsTree.Symlink("usr/lib", 0, 0));
    assertEquals("usr/lib/libc.so", t.put("lib/libc.so", file("c")));
    assertTrue(t.contains("usr/lib/libc.so"));
    assertInstanceOf(FsTree.Symlink.class, t.get("lib"), "the link itself stays");
    assertFalse(t.contains("lib/libc.so"));

    t.put("var/run", new FsTree.Symlink("../run", 0, 0));
    assertEquals("run/pid", t.put("var/run/pid", file("1")));
  }

  @Test
  void pathThroughAbsoluteSymlink() {
    FsTree t = new FsTree();
    t.put("etc/alt", new FsTree.Symlink("/opt/real", 0, 0));
    assertEquals("opt/real/conf", t.put("etc/alt/conf", file("c")));
    assertInstanceOf(FsTree.Dir.class, t.get("opt/real"));
  }

  @Test
  void dotDotInSymlinkClampedAtRoot() {
    FsTree t = new FsTree();
    t.put("a", new FsTree.Symlink("../../../b", 0, 0));
    assertEquals("b/f", t.put("a/f", file("f")));
    t.put("x/y", new FsTree.Symlink("/../../z", 0, 0));
    assertEquals("z/f", t.put("x/y/f", file("f")));
  }

  @Test
  void chainedSymlinks() {
    FsTree t = new FsTree();
    t.put("a", new FsTree.Symlink("b", 0, 0));
    t.put("b", new FsTree.Symlink("c", 0, 0));
    assertEquals("c/f", t.put("a/f", file("f")));
  }

  @Test
  void symlinkLoopFails() {
    FsTree t = new FsTree();
    t.put("a", new FsTree.Symlink("b", 0, 0));
    t.put("b", new FsTree.Symlink("a", 0, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.put("a/f", file("f")));
    assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage());
    t.put("self", new FsTree.Symlink(".", 0, 0));
    // "self" -> "." resolves to the root, so a/f through self is just f
    assertEquals("f", t.put("self/f", file("f")));
  }

  @Test
  void dotDotRefused() {
    FsTree t = new FsTree();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.put("a/../../etc/passwd", file("x")));
    assertTrue(e.getMessage().contains("\"..\""), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> t.put("..", dir(0755)));
    assertTrue(t.entries().isEmpty());
  }

  @Test
  void rootItselfIsNotAnEntry() {
    FsTree t = new FsTree();
    assertEquals("", t.put("/", dir(0755)));
    assertTrue(t.entries().isEmpty());
  }

  @Test
  void entriesInUtf8ByteOrderParentsFirst() {
    FsTree t = new FsTree();
    for (String p : List.of("b", "a-b", "a/z", "a.b", "\u00e9", "Z", "a/b/c", "\uD83D\uDE00", "\uFFFD")) t.put(p, file(p));
    List<String> keys = new ArrayList<>(t.entries().keySet());
    // '-' (0x2d) < '.' (0x2e) < '/' (0x2f); U+FFFD (EF BF BD) < U+1F600 (F0 ...) though UTF-16 orders them the other way
    assertEquals(List.of("Z", "a", "a-b", "a.b", "a/b", "a/b/c", "a/z", "b", "\u00e9", "\uFFFD", "\uD83D\uDE00"), keys);
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      int slash = k.lastIndexOf('/');
      if (slash > 0) assertTrue(keys.indexOf(k.substring(0, slash)) < i, k + " after its parent");
    }
  }

  @Test
  void addDirectoryKeepsModesSymlinksFifos(@TempDir Path tmp) throws Exception {
    Path src = Files.createDirectory(tmp.resolve("src"));
    Path bin = Files.createDirectory(src.resolve("bin"));
    Path sh = Files.writeString(bin.resolve("sh"), "#!");
    Files.setPosixFilePermissions(sh, PosixFilePermissions.fromString("rwxr-x---"));
    Path secret = Files.createDirectory(src.resolve("secret"));
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(secret.resolve("key"), "k");
    Files.createSymbolicLink(src.resolve("link"), Path.of("bin/sh"));
    Files.writeString(src.resolve("skip.me"), "no");
    Files.createDirectory(src.resolve("skipdir"));
    Files.writeString(src.resolve("skipdir/inner"), "no");
    Process p = new ProcessBuilder("mkfifo", "-m", "0600", src.resolve("fifo").toString()).inheritIO().start();
    assertEquals(0, p.waitFor());

    FsTree t = new FsTree();
    t.addDirectory(src, "/root/", false, rel -> !rel.equals("skip.me") && !rel.startsWith("skipdir"));
    List<String> keys = new ArrayList<>(t.entries().keySet());
    assertEquals(List.of("root", "root/bin", "root/bin/sh", "root/fifo", "root/link", "root/secret", "root/secret/key"), keys);
    FsTree.File shNode = assertInstanceOf(FsTree.File.class, t.get("root/bin/sh"));
    assertEquals(0750, shNode.mode());
    assertEquals(2, shNode.content().size());
    assertEquals(new FsTree.OnDisk(sh), shNode.content());
    assertEquals(0700, t.get("root/secret").mode());
    FsTree.Symlink link = assertInstanceOf(FsTree.Symlink.class, t.get("root/link"));
    assertEquals("bin/sh", link.target());
    FsTree.Special fifo = assertInstanceOf(FsTree.Special.class, t.get("root/fifo"));
    assertEquals('p', fifo.type());
    assertEquals(0600, fifo.mode());
    assertEquals(0, t.get("root/bin/sh").uid(), "owners not kept unless asked");
    assertNull(t.get("root/skip.me"));
  }

  @Test
  void addDirectoryAtRootAndOwners(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("f"), "x");
    FsTree t = new FsTree();
    t.addDirectory(tmp, "", true, rel -> true);
    assertEquals(List.of("f"), new ArrayList<>(t.entries().keySet()));
    Object uid = Files.getAttribute(tmp.resolve("f"), "unix:uid");
    assertEquals(((Integer) uid).longValue(), t.get("f").uid());
  }
}
