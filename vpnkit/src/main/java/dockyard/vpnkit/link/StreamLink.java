package dockyard.vpnkit.link;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * qemu's stream netdev protocol (what VPNKit and passt speak): each frame preceded by its length as a
 * 4-byte big-endian number, over a unix stream socket. Frames over 65535+14 bytes are refused.
 */
public final class StreamLink implements FrameLink {
  static final int MAX_FRAME = 65535 + 14;
  private final SocketChannel channel;
  private final Path path;
  private Thread reader;

  private StreamLink(SocketChannel channel, Path path) {
    this.channel = channel;
    this.path = path;
  }

  /** A link over an accepted connection (the server side of qemu's stream netdev). */
  public static StreamLink of(SocketChannel accepted, Path name) {
    return new StreamLink(accepted, name);
  }

  /** Waits until the peer closes {@code channel} (the link's reader sees EOF and closes it). */
  public static void awaitClosed(SocketChannel channel) throws InterruptedException {
    while (channel.isOpen()) Thread.sleep(200);
  }

  public static StreamLink connect(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot connect to the network socket " + socket + ": " + e.getMessage(), e);
    }
    return new StreamLink(ch, socket);
  }

  @Override
  public synchronized void send(byte[] frame) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 + frame.length);
    b.putInt(frame.length).put(frame).flip();
    while (b.hasRemaining()) channel.write(b);
  }

  @Override
  public void start(Consumer<byte[]> receiver) {
    reader = Thread.ofVirtual().name("stream-link " + path).start(() -> {
      ByteBuffer len = ByteBuffer.allocate(4);
      try {
        while (true) {
          len.clear();
          readFully(len);
          int n = len.getInt(0);
          if (n <= 0 || n > MAX_FRAME) throw new IOException(path + ": frame length " + n + " out of range");
          ByteBuffer f = ByteBuffer.allocate(n);
          readFully(f);
          receiver.accept(f.array());
        }
      } catch (IOException e) {
        // the other side went away: the NIC sees no more frames, as a cable pulled
      }
      try {
        channel.close();
      } catch (IOException ignored) {
        // closed already
      }
    });
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) throw new EOFException();
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
    if (reader != null) reader.interrupt();
  }
}
