package dockyard.vpnkit.stack;

import dockyard.vpnkit.link.FrameLink;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A link the test drives: frames it injects reach the stack, frames the stack sends queue up here. */
final class MemoryLink implements FrameLink {
  final BlockingQueue<byte[]> sent = new LinkedBlockingQueue<>();
  private volatile Consumer<byte[]> receiver;

  @Override public void send(byte[] frame) { sent.add(frame); }
  @Override public void start(Consumer<byte[]> r) { receiver = r; }
  @Override public void close() { }

  void inject(byte[] frame) {
    receiver.accept(frame);
  }

  byte[] next(long ms) throws InterruptedException {
    return sent.poll(ms, TimeUnit.MILLISECONDS);
  }
}
