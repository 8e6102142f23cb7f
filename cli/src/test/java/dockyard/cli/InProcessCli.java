package dockyard.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** bin/dockyard's Main in this JVM with captured stdio; one call at a time, since System.out and System.in are global. */
final class InProcessCli {
  private InProcessCli() {}

  record Result(int rc, String out, String err) {}

  static Result run(String... args) {
    return runWithInput("", args);
  }

  /** As {@link #run}, with {@code stdin} as its input. */
  static synchronized Result runWithInput(String stdin, String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      int rc = Main.run(args);
      return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }
}
