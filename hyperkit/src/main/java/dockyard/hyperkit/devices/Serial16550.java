package dockyard.hyperkit.devices;

import dockyard.hyperkit.bus.PortDevice;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;

/**
 * A 16550A UART at 8 I/O ports (COM1: 0x3f8, IRQ 4): enough of it for Linux's 8250 driver and for
 * a guest polling LSR. Transmit is instant (THR always empty); received bytes queue for RBR. The
 * interrupt is raised, when the guest enabled it, for "transmitter empty" and "data ready".
 */
public final class Serial16550 implements PortDevice {
  public static final int COM1 = 0x3f8, COM1_IRQ = 4;
  private static final int IER_RDA = 1, IER_THRE = 2;
  private static final int LCR_DLAB = 0x80;

  private final ConsoleOutput out;
  private final IntConsumer raiseIrq;
  private final ConcurrentLinkedQueue<Byte> in = new ConcurrentLinkedQueue<>();
  private int ier, lcr, mcr, scr, dll = 12, dlm;
  private boolean thrInterrupt;

  /** @param raiseIrq pulses the UART's interrupt line (may be a no-op without an interrupt controller) */
  public Serial16550(ConsoleOutput out, IntConsumer raiseIrq) {
    this.out = out;
    this.raiseIrq = raiseIrq;
  }

  /** Bytes typed on the host side, for the guest to read. */
  public void receive(byte[] data) {
    for (byte b : data) in.add(b);
    synchronized (this) {
      if ((ier & IER_RDA) != 0) raiseIrq.accept(COM1_IRQ);
    }
  }

  @Override
  public synchronized long in(int offset, int size) {
    switch (offset) {
      case 0 -> {
        if ((lcr & LCR_DLAB) != 0) return dll;
        Byte b = in.poll();
        return b == null ? 0 : b & 0xff;
      }
      case 1 -> {
        return (lcr & LCR_DLAB) != 0 ? dlm : ier;
      }
      case 2 -> { // IIR: FIFOs enabled (0xc0), the highest pending interrupt
        if ((ier & IER_RDA) != 0 && !in.isEmpty()) return 0xc4;
        if ((ier & IER_THRE) != 0 && thrInterrupt) {
          thrInterrupt = false; // reading IIR clears the THRE interrupt
          return 0xc2;
        }
        return 0xc1;
      }
      case 3 -> {
        return lcr;
      }
      case 4 -> {
        return mcr;
      }
      case 5 -> { // LSR: THR and transmitter empty; data ready when input waits
        return 0x60 | (in.isEmpty() ? 0 : 1);
      }
      case 6 -> { // MSR: CTS, DSR, DCD asserted (or loopback of MCR)
        return (mcr & 0x10) != 0 ? ((mcr & 0x0f) << 4) : 0xb0;
      }
      case 7 -> {
        return scr;
      }
      default -> {
        return 0xff;
      }
    }
  }

  @Override
  public synchronized void out(int offset, int size, long value) {
    int v = (int) value & 0xff;
    switch (offset) {
      case 0 -> {
        if ((lcr & LCR_DLAB) != 0) {
          dll = v;
        } else {
          out.write(v);
          thrInterrupt = true;
          if ((ier & IER_THRE) != 0) raiseIrq.accept(COM1_IRQ);
        }
      }
      case 1 -> {
        if ((lcr & LCR_DLAB) != 0) {
          dlm = v;
        } else {
          int before = ier;
          ier = v & 0x0f;
          // enabling THRE while the transmitter is empty raises it at once (the 8250 driver waits for it)
          if ((ier & IER_THRE) != 0 && (before & IER_THRE) == 0) {
            thrInterrupt = true;
            raiseIrq.accept(COM1_IRQ);
          }
        }
      }
      case 3 -> lcr = v;
      case 4 -> mcr = v;
      case 7 -> scr = v;
      default -> { } // FCR and the read-only registers
    }
  }
}
