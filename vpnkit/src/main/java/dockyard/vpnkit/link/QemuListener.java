package dockyard.vpnkit.link;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The server side of qemu's stream netdev ({@code -netdev stream,server=off,addr.type=unix,addr.path=PATH}):
 * listens on PATH and hands each connecting VM's link to {@code serve}, which runs until that VM
 * disconnects. One VM at a time, as VPNKit serves one Docker Desktop VM.
 */
public final class QemuListener implements AutoCloseable {
  private final ServerSocketChannel server;
  private final UnixSocketFile socket;
  private final Path path;
  private volatile SocketChannel current; // the VM being served, if any

  /** A handler for one VM's link; returns when the VM is gone (or throws). */
  public interface Session {
    void serve(StreamLink link, SocketChannel channel) throws Exception;
  }

  private QemuListener(UnixSocketFile socket) {
    this.socket = socket;
    this.server = socket.channel();
    this.path = socket.path();
  }

  /** Listens on {@code path}: a stale socket file is replaced, one another vpnkit still listens on is refused. */
  public static QemuListener listen(Path path) throws IOException {
    return new QemuListener(UnixSocketFile.bind(path, "another vpnkit (a listener answers on it)"));
  }

  /** Serves VMs one after another on the calling thread until {@link #close()}. */
  public void serve(Session session, Consumer<String> log) {
    while (server.isOpen()) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (IOException closed) {
        return;
      }
      current = c;
      if (!server.isOpen()) closeQuietly(c); // closed while accepting: end the session at once
      try {
        session.serve(StreamLink.of(c, path), c);
      } catch (Exception e) {
        log.accept("VM session on " + path + " ended: " + e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    SocketChannel c = current;
    if (c != null) closeQuietly(c); // the VM being served loses its link, so its session can end and clean up
    socket.close(); // the file goes only if it is still the socket bound here
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }
}
