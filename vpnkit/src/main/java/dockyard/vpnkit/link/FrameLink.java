package dockyard.vpnkit.link;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Where a virtual NIC's Ethernet frames go and come from: a tap device, VPNKit's (qemu's) stream
 * socket, or anything else that moves whole frames. {@link #send} may block (it runs on the NIC's
 * own thread); received frames are delivered on the link's own thread.
 */
public interface FrameLink extends AutoCloseable {
  /** Sends one Ethernet frame (without FCS). */
  void send(byte[] frame) throws IOException;

  /** Starts delivering received frames to {@code receiver}; called once. */
  void start(Consumer<byte[]> receiver);

  @Override
  void close() throws IOException;

  /** "vpnkit:PATH" or "stream:PATH" (qemu stream protocol on a unix socket), "tap:NAME", "dgram:PATH" (bind a datagram socket). */
  static FrameLink open(String spec) throws IOException {
    int colon = spec.indexOf(':');
    if (colon < 0) throw new IOException("network \"" + spec + "\": want vpnkit:PATH, stream:PATH, tap:NAME or dgram:PATH");
    String kind = spec.substring(0, colon), arg = spec.substring(colon + 1);
    return switch (kind) {
      case "vpnkit", "stream" -> StreamLink.connect(java.nio.file.Path.of(arg));
      case "tap" -> TapLink.open(arg);
      case "dgram" -> DatagramLink.bind(java.nio.file.Path.of(arg));
      default -> throw new IOException("network \"" + spec + "\": unknown kind \"" + kind + "\" (vpnkit, stream, tap or dgram)");
    };
  }
}
