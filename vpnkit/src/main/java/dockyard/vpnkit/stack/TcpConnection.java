package dockyard.vpnkit.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One guest TCP connection, spliced to a host socket. This class is the whole TCP state machine for
 * it (RFC 9293): the handshake (passive for the guest's SYN, active for a forwarded port), MSS and
 * window scaling, in-order delivery with duplicate ACKs for anything else, retransmission on a
 * doubling timeout and on three duplicate ACKs, zero-window probes, FIN in both directions, RST.
 * Back-pressure both ways: what the guest sends waits in a bounded buffer whose free space is the
 * window we advertise; what the host sends is read only as far as the guest's window allows.
 * Guest segments arrive on the link thread; the host side has a reader and a writer virtual thread.
 */
final class TcpConnection {
  enum State { SYN_SENT, SYN_RCVD, ESTABLISHED, CLOSE_WAIT, LAST_ACK, FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT, CLOSED }

  static final int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;
  static final int RECV_BUF = 512 << 10, SEND_BUF = 512 << 10, OUR_WSCALE = 7;
  static final long RTO_MIN = TimeUnit.MILLISECONDS.toNanos(200), RTO_MAX = TimeUnit.SECONDS.toNanos(60);

  final Tcp tcp;
  final Stack stack;
  final int guestIp, guestPort, remoteIp, remotePort;
  private final int ourMss; // the link MTU less the IPv4 and TCP headers
  SocketChannel socket;
  State state;

  // receive side (guest -> host)
  int rcvNxt;
  private final BlockingQueue<byte[]> toHost = new ArrayBlockingQueue<>(4096);
  private int queuedToHost;
  private boolean guestFin;
  private int lastAdvertised;
  private int lastAcked; // rcvNxt as last acknowledged: ACKs go out every second segment (RFC 1122's delayed ACK)
  // segments past a hole, kept (within the window) so the guest retransmits only the hole (SACK, RFC 2018)
  private final java.util.TreeMap<Long, byte[]> outOfOrder = new java.util.TreeMap<>(); // by stream offset
  private long rcvOffset; // the stream offset of rcvNxt (bytes delivered in order so far)
  private int outOfOrderBytes;
  private boolean sackOk;

  // send side (host -> guest)
  final int iss;
  int sndUna, sndNxt;
  private long sndWnd;
  private int guestWscale, guestMss = 536;
  private boolean wscaleOk;
  private final byte[] sendBuf = new byte[SEND_BUF]; // bytes from sndUna on, circular
  private int sendStart, sendLen;
  private boolean hostEof, finSent;
  private long rto = TimeUnit.MILLISECONDS.toNanos(300), lastSend;
  private int dupAcks;

  volatile long bytesIn, bytesOut;

  TcpConnection(Tcp tcp, int guestIp, int guestPort, int remoteIp, int remotePort, int iss) {
    this.tcp = tcp;
    this.stack = tcp.stack;
    this.guestIp = guestIp;
    this.guestPort = guestPort;
    this.remoteIp = remoteIp;
    this.remotePort = remotePort;
    this.iss = iss;
    this.ourMss = Math.min(stack.mtu - 40, 65495);
    this.sndUna = iss;
    this.sndNxt = iss;
  }

  String key() {
    return Tcp.key(guestIp, guestPort, remoteIp, remotePort);
  }

  static boolean after(int a, int b) {
    return a - b > 0;
  }

  // ------------------------------------------------------------------ segments out

  private void segment(int flags, int seq, byte[] data, int off, int len, boolean synOptions) {
    segment(flags, seq, synOptions, len, (f, at) -> {
      if (len > 0) System.arraycopy(data, off, f, at, len);
    });
  }

  /** Where a segment's payload comes from: writes {@code len} bytes into the frame at {@code at}. */
  private interface Payload {
    void fill(byte[] frame, int at);
  }

  /** Builds the segment straight into its frame (one allocation, no copies between layers) and sends it. */
  private void segment(int flags, int seq, boolean synOptions, int len, Payload payload) {
    int[] sack = !synOptions && sackOk && (flags & ACK) != 0 && !outOfOrder.isEmpty() ? sackBlocks() : null;
    int optLen = synOptions ? 12 : sack != null ? 4 + sack.length * 4 : 0;
    int tcpLen = 20 + optLen + len;
    byte[] f = stack.frame(remoteIp, guestIp, Stack.PROTO_TCP, tcpLen);
    int t = 34;
    Bytes.put16(f, t, remotePort);
    Bytes.put16(f, t + 2, guestPort);
    Bytes.put32(f, t + 4, seq);
    Bytes.put32(f, t + 8, (flags & ACK) != 0 ? rcvNxt : 0);
    if ((flags & ACK) != 0) lastAcked = rcvNxt;
    f[t + 12] = (byte) (((20 + optLen) / 4) << 4);
    f[t + 13] = (byte) flags;
    int win = window();
    lastAdvertised = win;
    int field = (flags & SYN) != 0 ? Math.min(win, 65535) : Math.min(win >> (wscaleOk ? OUR_WSCALE : 0), 65535);
    Bytes.put16(f, t + 14, field);
    if (synOptions) {
      f[t + 20] = 2; f[t + 21] = 4; Bytes.put16(f, t + 22, ourMss);
      f[t + 24] = 1; f[t + 25] = 3; f[t + 26] = 3; f[t + 27] = OUR_WSCALE; // NOP, window scale
      f[t + 28] = 1; f[t + 29] = 1; f[t + 30] = 4; f[t + 31] = 2; // NOP, NOP, SACK permitted
    } else if (sack != null) {
      f[t + 20] = 1; f[t + 21] = 1; f[t + 22] = 5; f[t + 23] = (byte) (2 + sack.length * 4);
      for (int i = 0; i < sack.length; i++) Bytes.put32(f, t + 24 + 4 * i, sack[i]);
    }
    if (len > 0) payload.fill(f, t + 20 + optLen);
    Bytes.put16(f, t + 16, Bytes.transportChecksum(remoteIp, guestIp, Stack.PROTO_TCP, f, t, tcpLen));
    stack.emit(f);
  }

  private int window() {
    return Math.max(0, RECV_BUF - queuedToHost - outOfOrderBytes);
  }

  private void ack() {
    segment(ACK, sndNxt, null, 0, 0, false);
  }

  /** Up to three SACK blocks (left, right edges) of the out-of-order data, merged where contiguous. */
  private int[] sackBlocks() {
    java.util.List<int[]> blocks = new java.util.ArrayList<>();
    for (var e : outOfOrder.entrySet()) {
      int l = rcvNxt + (int) (e.getKey() - rcvOffset), r = l + e.getValue().length;
      if (!blocks.isEmpty() && blocks.getLast()[1] == l) blocks.getLast()[1] = r;
      else blocks.add(new int[] {l, r});
    }
    int n = Math.min(3, blocks.size());
    int[] out = new int[n * 2];
    for (int i = 0; i < n; i++) {
      out[2 * i] = blocks.get(i)[0];
      out[2 * i + 1] = blocks.get(i)[1];
    }
    return out;
  }

  /** In-order data: acknowledged every second full segment, at once on PSH/FIN, else within a tick. */
  private void ackData(int flags) {
    if ((flags & (PSH | FIN)) != 0 || rcvNxt - lastAcked >= 2 * ourMss || window() < 4 * ourMss) ack();
  }

  /** Called from the timer: nothing acknowledged for a while. */
  private void ackPending() {
    if (rcvNxt != lastAcked && state != State.CLOSED && state != State.SYN_RCVD && state != State.SYN_SENT) ack();
  }

  void sendSynAck() {
    segment(SYN | ACK, iss, null, 0, 0, true);
    lastSend = System.nanoTime();
  }

  void sendSyn() {
    segment(SYN, iss, null, 0, 0, true);
    lastSend = System.nanoTime();
  }

  void rst() {
    segment(RST | ACK, sndNxt, null, 0, 0, false);
  }

  /** Sends what the guest's window allows of the data not yet sent, then FIN once the host is done. */
  private void pushData() {
    int mss = Math.min(guestMss, ourMss);
    while (true) {
      int inFlight = sndNxt - sndUna - (finSent ? 1 : 0);
      int unsent = sendLen - inFlight;
      long room = sndWnd - inFlight;
      if (unsent <= 0 || room <= 0) break;
      int n = (int) Math.min(Math.min(unsent, mss), room);
      int from = inFlight;
      segment(ACK | (n == unsent ? PSH : 0), sndNxt, false, n, (f, at) -> copyOut(from, n, f, at));
      if (sndNxt == sndUna) lastSend = System.nanoTime();
      sndNxt += n;
      bytesIn += n;
    }
    if (hostEof && !finSent && sndNxt - sndUna == sendLen) {
      segment(FIN | ACK, sndNxt, null, 0, 0, false);
      sndNxt++;
      finSent = true;
      lastSend = System.nanoTime();
      state = state == State.CLOSE_WAIT ? State.LAST_ACK : State.FIN_WAIT_1;
    }
    notifyAll(); // the reader may have room again
  }

  private byte[] copyOut(int from, int n) {
    byte[] out = new byte[n];
    copyOut(from, n, out, 0);
    return out;
  }

  /** Copies {@code n} unacknowledged bytes from offset {@code from} (past sndUna) into {@code dst}. */
  private void copyOut(int from, int n, byte[] dst, int at) {
    int start = (sendStart + from) % SEND_BUF;
    int first = Math.min(n, SEND_BUF - start);
    System.arraycopy(sendBuf, start, dst, at, first);
    if (first < n) System.arraycopy(sendBuf, 0, dst, at + first, n - first);
  }

  // ------------------------------------------------------------------ segments in

  /** A segment from the guest for this connection. */
  synchronized void receive(int seq, int ackNo, int flags, int window, byte[] p, int dataOff, int len, int optMss, int optWscale,
                            boolean optSack) {
    if ((flags & RST) != 0) {
      // accept a reset in the window only (RFC 5961's simple check), then drop everything
      if (state == State.SYN_SENT ? ackNo == iss + 1 : seq - rcvNxt >= 0 && seq - rcvNxt <= RECV_BUF) close(false);
      return;
    }
    switch (state) {
      case SYN_SENT -> {
        if ((flags & (SYN | ACK)) == (SYN | ACK) && ackNo == iss + 1) {
          rcvNxt = seq + 1;
          sndUna = sndNxt = iss + 1;
          options(optMss, optWscale, optSack);
          sndWnd = (long) window << (wscaleOk ? guestWscale : 0);
          state = State.ESTABLISHED;
          ack();
          tcp.started(this);
        }
        return;
      }
      case SYN_RCVD -> {
        if ((flags & SYN) != 0) { // our SYN-ACK was lost
          sendSynAck();
          return;
        }
        if ((flags & ACK) == 0 || ackNo != iss + 1) return;
        sndUna = sndNxt = iss + 1;
        state = State.ESTABLISHED;
        tcp.started(this);
      }
      default -> { }
    }
    if ((flags & SYN) != 0) { // a SYN on an open connection: answer with an ACK (RFC 5961 challenge)
      ack();
      return;
    }
    if ((flags & ACK) != 0) onAck(ackNo, window, len, flags);
    if (len > 0 || (flags & FIN) != 0) onData(seq, p, dataOff, len, flags);
  }

  private void options(int optMss, int optWscale, boolean sackPermitted) {
    sackOk = sackPermitted;
    if (optMss > 0) guestMss = optMss;
    if (optWscale >= 0) {
      wscaleOk = true;
      guestWscale = Math.min(optWscale, 14);
    }
  }

  void passiveOpen(int seq, int window, int optMss, int optWscale, boolean optSack) {
    rcvNxt = seq + 1;
    options(optMss, optWscale, optSack);
    sndWnd = window; // SYN windows are never scaled
    state = State.SYN_RCVD;
    sndNxt = iss + 1;
  }

  private void onAck(int ackNo, int window, int len, int flags) {
    long newWnd = (long) window << (wscaleOk ? guestWscale : 0);
    if (after(ackNo, sndUna) && !after(ackNo, sndNxt)) {
      int acked = ackNo - sndUna;
      int dataAcked = acked;
      if (finSent && ackNo == sndNxt) dataAcked--; // the FIN's sequence number holds no byte
      dataAcked = Math.min(dataAcked, sendLen);
      sendStart = (sendStart + dataAcked) % SEND_BUF;
      sendLen -= dataAcked;
      sndUna = ackNo;
      dupAcks = 0;
      rto = Math.max(RTO_MIN, rto / 2);
      lastSend = System.nanoTime();
      if (finSent && sndUna == sndNxt) {
        switch (state) {
          case FIN_WAIT_1 -> state = State.FIN_WAIT_2;
          case LAST_ACK -> close(true);
          case CLOSING -> state = State.TIME_WAIT;
          default -> { }
        }
      }
    } else if (ackNo == sndUna && len == 0 && (flags & FIN) == 0 && newWnd == sndWnd && sndNxt != sndUna) {
      if (++dupAcks == 3) retransmit(); // fast retransmit
    }
    sndWnd = newWnd;
    if (state != State.CLOSED) pushData();
  }

  private void onData(int seq, byte[] p, int off, int len, int flags) {
    if (state == State.CLOSED || state == State.TIME_WAIT) return;
    int rel = seq - rcvNxt;
    if (rel < 0 && rel + len > 0) { // a retransmission overlapping what we have: keep its new part
      off -= rel;
      len += rel;
      rel = 0;
    }
    if (rel != 0 || (len == 0 && (flags & FIN) == 0)) {
      if (rel > 0 && len > 0 && sackOk && !guestFin && rel + len <= window() && outOfOrder.size() < 256) {
        long key = rcvOffset + rel;
        byte[] held = outOfOrder.get(key);
        if (held == null || held.length < len) {
          if (held != null) outOfOrderBytes -= held.length;
          outOfOrder.put(key, java.util.Arrays.copyOfRange(p, off, off + len));
          outOfOrderBytes += len;
        }
      }
      ack(); // out of order or old: say what we expect (and, with SACK, what we hold)
      return;
    }
    boolean complete = true;
    if (len > 0 && !guestFin) {
      int take = Math.min(len, window() + outOfOrderBytes);
      complete = take == len && deliver(java.util.Arrays.copyOfRange(p, off, off + take));
      // the hole may be filled now: what was held moves up, in order
      while (complete && !outOfOrder.isEmpty() && outOfOrder.firstKey() <= rcvOffset) {
        var first = outOfOrder.pollFirstEntry();
        outOfOrderBytes -= first.getValue().length;
        int skip = (int) (rcvOffset - first.getKey());
        if (skip < first.getValue().length && !deliver(java.util.Arrays.copyOfRange(first.getValue(), skip, first.getValue().length))) break;
      }
    }
    if ((flags & FIN) != 0 && complete && outOfOrder.isEmpty() && !guestFin) {
      guestFin = true;
      rcvNxt++;
      toHost.offer(new byte[0]); // end of stream for the writer
      switch (state) {
        case ESTABLISHED -> state = State.CLOSE_WAIT;
        case FIN_WAIT_1 -> state = sndUna == sndNxt ? State.TIME_WAIT : State.CLOSING;
        case FIN_WAIT_2 -> state = State.TIME_WAIT;
        default -> { }
      }
    }
    if (outOfOrder.isEmpty()) ackData(flags);
    else ack();
    if (state == State.TIME_WAIT) close(true);
  }

  /** Queues in-order bytes for the host and advances rcvNxt; false when the queue is full. */
  private boolean deliver(byte[] data) {
    if (!toHost.offer(data)) return false;
    queuedToHost += data.length;
    rcvNxt += data.length;
    rcvOffset += data.length;
    bytesOut += data.length;
    return true;
  }

  private void retransmit() {
    int inFlight = sndNxt - sndUna - (finSent ? 1 : 0);
    if (inFlight > 0) {
      int n = Math.min(Math.min(inFlight, Math.min(guestMss, ourMss)), sendLen);
      segment(ACK | PSH, sndUna, copyOut(0, n), 0, n, false);
    } else if (finSent && sndUna != sndNxt) {
      segment(FIN | ACK, sndNxt - 1, null, 0, 0, false);
    }
    lastSend = System.nanoTime();
  }

  /** Called every 100 ms: retransmission and zero-window probes. */
  synchronized void tick(long now) {
    if (state == State.CLOSED) return;
    ackPending();
    if (now - lastSend < rto) return;
    switch (state) {
      case SYN_RCVD -> sendSynAck();
      case SYN_SENT -> sendSyn();
      default -> {
        if (sndNxt != sndUna) {
          retransmit();
        } else if (sndWnd == 0 && sendLen > 0) {
          segment(ACK, sndNxt - 1, null, 0, 0, false); // window probe: an ACK the guest must answer
          lastSend = now;
        } else {
          return;
        }
      }
    }
    rto = Math.min(rto * 2, RTO_MAX);
    if (rto == RTO_MAX) {
      close(false); // the guest stopped answering
      rst();
    }
  }

  // ------------------------------------------------------------------ host side

  /** Starts the host reader and writer once the connection is established and the socket connected. */
  void splice() {
    Thread.ofVirtual().name("tcp-reader " + key()).start(this::readHost);
    Thread.ofVirtual().name("tcp-writer " + key()).start(this::writeHost);
  }

  private void readHost() {
    try {
      while (true) {
        int end, room;
        synchronized (this) {
          while (state != State.CLOSED && SEND_BUF - sendLen == 0) wait(100);
          if (state == State.CLOSED) return;
          end = (sendStart + sendLen) % SEND_BUF;
          room = Math.min(SEND_BUF - sendLen, SEND_BUF - end); // contiguous free space after the data
        }
        // straight into the send buffer's free region, which only this thread writes (no copy of ours)
        int n = socket.read(ByteBuffer.wrap(sendBuf, end, room));
        synchronized (this) {
          if (state == State.CLOSED) return;
          if (n < 0) {
            hostEof = true;
            pushData();
            return;
          }
          sendLen += n;
          pushData();
        }
      }
    } catch (IOException | InterruptedException e) {
      synchronized (this) {
        if (state != State.CLOSED) {
          rst();
          close(false);
        }
      }
    }
  }

  private void writeHost() {
    java.util.List<byte[]> batch = new java.util.ArrayList<>();
    try {
      while (true) {
        batch.clear();
        batch.add(toHost.take());
        toHost.drainTo(batch, 255); // whatever else is waiting goes out in the same write(2)
        boolean end = false;
        int n = 0, bytes = 0;
        ByteBuffer[] bufs = new ByteBuffer[batch.size()];
        for (byte[] d : batch) {
          if (d.length == 0) {
            end = true; // the guest's FIN: nothing after it
            break;
          }
          bufs[n++] = ByteBuffer.wrap(d);
          bytes += d.length;
        }
        long left = bytes;
        while (left > 0) left -= socket.write(bufs, 0, n);
        synchronized (this) {
          int before = window();
          queuedToHost -= bytes;
          // a window that reopens from nearly shut is announced at once, or the guest waits for its probe
          if (state != State.CLOSED && before < 2 * ourMss && window() >= 2 * ourMss) ack();
        }
        if (end) {
          socket.shutdownOutput(); // the guest's FIN, passed on
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      synchronized (this) {
        if (state != State.CLOSED) {
          rst();
          close(false);
        }
      }
    }
  }

  /** Ends the connection and releases the socket; {@code graceful} only changes what the log says. */
  synchronized void close(boolean graceful) {
    if (state == State.CLOSED) return;
    state = State.CLOSED;
    notifyAll();
    toHost.clear();
    toHost.offer(new byte[0]);
    try {
      if (socket != null) socket.close();
    } catch (IOException ignored) {
      // closing
    }
    tcp.remove(this);
  }
}
