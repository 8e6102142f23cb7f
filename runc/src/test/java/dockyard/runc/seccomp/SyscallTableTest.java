package dockyard.runc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SyscallTableTest {

  @Test
  void knowsWellKnownX8664Numbers() {
    SyscallTable t = SyscallTable.x86_64();
    assertEquals("x86_64", t.arch());
    assertEquals(OptionalInt.of(0), t.number("read"));
    assertEquals(OptionalInt.of(1), t.number("write"));
    assertEquals(OptionalInt.of(59), t.number("execve"));
    assertEquals(OptionalInt.of(83), t.number("mkdir"));
    assertEquals(OptionalInt.of(165), t.number("mount"));
    assertEquals(OptionalInt.of(169), t.number("reboot"));
    assertEquals(OptionalInt.of(257), t.number("openat"));
    assertEquals(OptionalInt.of(435), t.number("clone3"));
    assertEquals("mkdir", t.name(83).orElseThrow());
    assertTrue(t.size() > 350, "size " + t.size());
  }

  @Test
  void namesOfOtherAbisAreUnknown() {
    SyscallTable t = SyscallTable.x86_64();
    assertTrue(t.number("chown32").isEmpty());
    assertTrue(t.number("socketcall").isEmpty());
    assertTrue(t.number("_llseek").isEmpty());
    SyscallTable.Resolution r = t.resolve(List.of("read", "chown32", "write", "chown32", "nope"));
    assertEquals(Map.of("read", 0, "write", 1), r.numbers());
    assertEquals(List.of("chown32", "nope"), r.unknown());
  }

  @Test
  void resourceHasAHeaderAndIsSortedByNumber() throws Exception {
    var in = SyscallTable.class.getResourceAsStream(SyscallTable.X86_64_RESOURCE);
    assertNotNull(in);
    List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
    assertTrue(lines.getFirst().startsWith("#"));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("#") && l.contains("unistd_64.h")));
    int previous = -1;
    int entries = 0;
    for (String l : lines) {
      if (l.startsWith("#") || l.isBlank()) continue;
      String[] parts = l.split(" ");
      assertEquals(2, parts.length, l);
      int nr = Integer.parseInt(parts[1]);
      assertTrue(nr > previous, "not sorted at " + l);
      previous = nr;
      entries++;
    }
    assertEquals(SyscallTable.x86_64().size(), entries);
    // The table lists numbers in order: the map iterates that way too.
    assertEquals(0, SyscallTable.x86_64().byName().values().iterator().next());
  }

  @Test
  void parseRejectsMalformedTables() {
    assertThrows(IllegalArgumentException.class, () -> SyscallTable.parse("t", new StringReader("read\n")));
    assertThrows(IllegalArgumentException.class, () -> SyscallTable.parse("t", new StringReader("read x\n")));
    assertThrows(IllegalArgumentException.class, () -> SyscallTable.parse("t", new StringReader("read 0\nread 1\n")));
    assertThrows(IllegalArgumentException.class, () -> SyscallTable.parse("t", new StringReader("read -1\n")));
  }

  @Test
  void parseSkipsCommentsAndBlankLinesAndSortsByNumber() throws Exception {
    SyscallTable t = SyscallTable.parse("test", new StringReader("# c\n\nb 2\n  a 1  \n"));
    assertEquals(List.of("a", "b"), List.copyOf(t.byName().keySet()));
    assertEquals(OptionalInt.of(2), t.number("b"));
  }
}
