package dockyard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runc's help, version and unknown-verb answers, which scripts (and runc's own tests) read line by line. */
class RuncHelpTest {
  @TempDir Path dir;

  record Reply(List<String> out, String err, int exit) {}

  Reply call(String... args) throws IOException {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    int code = RuncDaemon.run(ProcessHandle.current().pid(), dir.toString(), List.of(args), new ByteArrayInputStream(new byte[0]), frames);
    StringBuilder out = new StringBuilder(), err = new StringBuilder();
    InputStream in = new ByteArrayInputStream(frames.toByteArray());
    while (in.available() > 0) {
      var d = RuncDaemonTest.readFrameOrExit(in);
      (d.keyword().equals("out") ? out : err).append(d.args().getFirst());
    }
    return new Reply(out.toString().lines().toList(), err.toString(), code);
  }

  @Test
  void helpStartsWithRuncsNameSection() throws IOException {
    for (String h : List.of("-h", "--help")) {
      Reply r = call(h);
      assertEquals(0, r.exit(), r.err());
      assertEquals("NAME:", r.out().get(0));
      assertTrue(r.out().get(1).startsWith("   runc - Open Container Initiative runtime"), r.out().get(1));
    }
    for (String verb : List.of("delete", "events", "exec", "kill", "list", "pause", "resume", "spec", "start", "run", "state", "update")) {
      Reply r = call(verb, "-h");
      assertEquals(0, r.exit(), verb + ": " + r.err());
      assertEquals("NAME:", r.out().get(0), verb);
      assertTrue(r.out().get(1).startsWith("   runc " + verb + " - "), r.out().get(1));
    }
  }

  @Test
  void anUnknownVerbIsNoHelpTopic() throws IOException {
    Reply r = call("foo", "-h");
    assertEquals(3, r.exit());
    assertTrue(r.err().contains("No help topic for 'foo'"), r.err());
  }

  @Test
  void versionHasRuncsLines() throws IOException {
    Reply r = call("-v");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().get(0).matches(".*runc version [0-9]+\\.[0-9]+\\.[0-9]+.*"), r.out().get(0));
    assertTrue(r.out().get(1).startsWith("commit: "), r.out().get(1));
    assertTrue(r.out().get(2).matches("spec: [0-9]+\\.[0-9]+\\.[0-9]+"), r.out().get(2));
  }
}
