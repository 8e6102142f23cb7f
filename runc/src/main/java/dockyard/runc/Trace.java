package dockyard.runc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a verb's time goes, phase by phase, reported as one warning line when the environment has
 * DOCKYARD_RUNC_TRACE=1 (the benchmark's "where the time goes" comes from this). Costs nothing
 * otherwise.
 */
final class Trace {
  private static final boolean ON = "1".equals(System.getenv("DOCKYARD_RUNC_TRACE"));
  private final long start = System.nanoTime();
  private long last = start;
  private final List<String> marks = ON ? new ArrayList<>() : null;

  static Trace start() {
    return new Trace();
  }

  void mark(String phase) {
    if (!ON) return;
    long now = System.nanoTime();
    marks.add(phase + " " + String.format("%.2f", (now - last) / 1e6));
    last = now;
  }

  void report(Consumer<String> out) {
    if (!ON) return;
    out.accept("trace (ms): " + String.join(", ", marks) + "; total " + String.format("%.2f", (System.nanoTime() - start) / 1e6));
  }
}
