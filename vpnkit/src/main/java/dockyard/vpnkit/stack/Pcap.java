package dockyard.vpnkit.stack;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Frames in libpcap format (LINKTYPE_ETHERNET), as tcpdump -w writes them: Wireshark and tcpdump read it. */
final class Pcap implements AutoCloseable {
  private final OutputStream out;

  Pcap(Path file) throws IOException {
    out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
    out.write(h.array());
  }

  synchronized void write(byte[] frame, int length) {
    long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
    ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt((int) (now / 1_000_000)).putInt((int) (now % 1_000_000)).putInt(Math.min(length, 65535)).putInt(length);
    try {
      out.write(h.array());
      out.write(frame, 0, Math.min(length, 65535));
    } catch (IOException e) {
      // a full disk stops the capture, not the network
    }
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
