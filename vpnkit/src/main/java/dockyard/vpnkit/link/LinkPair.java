package dockyard.vpnkit.link;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Two links joined in memory, like a veth pair: what one sends, the other receives (on its own
 * thread, through a bounded queue that drops when full, as a NIC ring does). For running VPNKit in
 * the same process as a VMM: the VM's NIC gets one end, the stack the other.
 */
public final class LinkPair {
  private final End a = new End("a"), b = new End("b");

  public LinkPair() {
    a.peer = b;
    b.peer = a;
  }

  public FrameLink first() {
    return a;
  }

  public FrameLink second() {
    return b;
  }

  private static final class End implements FrameLink {
    final String name;
    End peer;
    final BlockingQueue<byte[]> inbox = new ArrayBlockingQueue<>(1024);
    volatile boolean closed;

    End(String name) {
      this.name = name;
    }

    @Override
    public void send(byte[] frame) {
      if (!peer.closed) peer.inbox.offer(frame.clone());
    }

    @Override
    public void start(Consumer<byte[]> receiver) {
      Thread.ofVirtual().name("link-pair " + name).start(() -> {
        try {
          while (!closed) {
            byte[] f = inbox.take();
            if (closed) break;
            receiver.accept(f);
          }
        } catch (InterruptedException e) {
          // closed
        }
      });
    }

    @Override
    public void close() {
      closed = true;
      inbox.offer(new byte[0]);
    }
  }
}
