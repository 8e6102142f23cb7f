package dockyard.runc;

import java.io.IOException;

/**
 * One execution of a plan by the C helper, seen from the runtime: the helper's report lines
 * (pid, created, started, exit, error) and the replies (go, abort). The helper may be a process
 * this JVM started ({@link LocalHelper}) or a thin client that received the plan over the
 * resident daemon's socket and carries it out in the caller's own process and stdio.
 */
public interface HelperSession extends AutoCloseable {
  /** The next report line, or null when the helper is gone. */
  String next() throws IOException;

  void send(String line) throws IOException;

  /** Waits for the helper's exit status (the container's exit code in run and exec modes). */
  int waitFor();

  @Override
  void close() throws IOException;

  /** One report line split into its word (pid, created, started, exit, error) and the rest. */
  record Report(String word, String rest) {
    static Report of(String line) {
      int space = line.indexOf(' ');
      return space < 0 ? new Report(line, "") : new Report(line.substring(0, space), line.substring(space + 1).trim());
    }
  }

  /** Starts a helper on a plan. {@code notifySocket} is where a local helper reports; a remote one ignores it. */
  @FunctionalInterface
  interface Launcher {
    HelperSession launch(dockyard.runc.plan.Plan plan, java.nio.file.Path workDir, java.nio.file.Path notifySocket) throws IOException;

    /** Whether plans must name the notify socket (a local helper connects to it; a remote one already holds its channel). */
    default boolean needsNotifySocket() {
      return true;
    }

    /**
     * The process holding the caller's fds 3.. for --preserve-fds: this JVM (it inherited them,
     * but its children get only stdio, so the helper fetches them with pidfd_getfd), or 0 when
     * the helper inherits them itself.
     */
    default long callerFdsPid() {
      return ProcessHandle.current().pid();
    }
  }
}
