package dockyard.runc;

import dockyard.runc.plan.Plan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The helper as the resident daemon's client runs it: the plan goes down the client's connection
 * ({@code plan LEN:BYTES}), the client executes it in its own process (so the container gets the
 * caller's stdio and is the caller's child), reports on the same connection, and ends the helper
 * phase with {@code done STATUS}.
 */
public final class RemoteHelper implements HelperSession {
  private final InputStream in;
  private final OutputStream out;
  private Integer status;

  private final Runnable afterDone;

  private RemoteHelper(InputStream in, OutputStream out, Runnable afterDone) {
    this.in = in;
    this.out = out;
    this.afterDone = afterDone;
  }

  /**
   * A launcher for one client connection. {@code beforePlan} runs first, so output the daemon
   * buffered for the client reaches it before the helper phase begins; {@code afterDone} when the
   * client reports the helper phase over (output frames may flow again).
   */
  public static HelperSession.Launcher launcher(InputStream in, OutputStream out, Runnable beforePlan, Runnable afterDone) {
    return new HelperSession.Launcher() {
      @Override
      public HelperSession launch(Plan plan, Path workDir, Path notifySocket) throws IOException {
        beforePlan.run();
        byte[] bytes = plan.encode();
        synchronized (out) {
          out.write(("plan " + bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
          out.write(bytes);
          out.write('\n');
          out.flush();
        }
        return new RemoteHelper(in, out, afterDone);
      }

      @Override
      public boolean needsNotifySocket() {
        return false;
      }

      @Override
      public long callerFdsPid() {
        return 0; // the client forks the helper, which inherits the caller's fds itself
      }
    };
  }

  @Override
  public String next() throws IOException {
    if (status != null) return null;
    String line = readLine();
    if (line == null) {
      status = 1;
      throw new IOException("the client went away while running the container's helper");
    }
    if (line.startsWith("done ")) {
      status = Integer.parseInt(line.substring(5).trim());
      afterDone.run();
      return null;
    }
    return line;
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) return null;
      if (buf.size() > 65536) throw new IOException("helper line too long");
      buf.write(c);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void send(String line) throws IOException {
    synchronized (out) {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  @Override
  public int waitFor() {
    try {
      while (status == null) {
        if (next() == null && status == null) return 1;
      }
    } catch (IOException e) {
      return status == null ? 1 : status;
    }
    return status;
  }

  @Override
  public void close() {
    // the connection belongs to the daemon's request, which keeps using it
  }
}
