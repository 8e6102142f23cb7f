package dockyard.vpnkit.link;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The server side of qemu's stream netdev ({@code -netdev stream,server=off,addr.type=unix,addr.path=PATH}):
 * listens on PATH and hands each connecting VM's link to {@code serve}, which runs until that VM
 * disconnects. One VM at a time, as VPNKit serves one Docker Desktop VM.
 */
public final class QemuListener implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Path path;

  /** A handler for one VM's link; returns when the VM is gone (or throws). */
  public interface Session {
    void serve(StreamLink link, SocketChannel channel) throws Exception;
  }

  private QemuListener(ServerSocketChannel server, Path path) {
    this.server = server;
    this.path = path;
  }

  public static QemuListener listen(Path path) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(path));
    return new QemuListener(s, path);
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
      try {
        session.serve(StreamLink.of(c, path), c);
      } catch (Exception e) {
        log.accept("VM session on " + path + " ended: " + e);
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(path);
  }
}
