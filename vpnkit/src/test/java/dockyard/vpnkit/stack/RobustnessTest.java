package dockyard.vpnkit.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.vpnkit.VpnKit;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken guests, with frames injected straight into the stack (a real kernel never
 * sends most of these): the stack drops what is bad, answers what is good, and stays bounded.
 */
class RobustnessTest {
  MemoryLink link;
  Stack stack;

  @BeforeEach
  void start() throws Exception {
    link = new MemoryLink();
    stack = Stack.start(link, VpnKit.Options.defaults());
  }

  @AfterEach
  void stop() throws Exception {
    stack.close();
  }

  /** The next frame that is an echo reply with {@code seq}, or null within the time. */
  byte[] reply(int seq, long ms) throws Exception {
    long until = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < until) {
      byte[] f = link.next(50);
      if (Frames.isEchoReply(f, seq)) return f;
    }
    return null;
  }

  void assertAlive(int seq) throws Exception {
    link.inject(Frames.ping(Frames.GATEWAY, seq));
    assertTrue(reply(seq, 2000) != null, "the gateway answers ping " + seq);
  }

  @Test
  void randomAndTruncatedFramesAreDroppedAndTheStackGoesOn() throws Exception {
    Random r = new Random(42);
    byte[] good = Frames.tcp(Frames.HOST, 1234, 9, 1, 0, 2, 65535, new byte[0]);
    for (int i = 0; i < 20000; i++) {
      byte[] f;
      if (i % 3 == 0) {
        f = new byte[r.nextInt(200)];
        r.nextBytes(f);
        if (f.length > 14 && r.nextBoolean()) Bytes.put16(f, 12, r.nextBoolean() ? Stack.ETH_IP : Stack.ETH_ARP);
      } else if (i % 3 == 1) {
        f = java.util.Arrays.copyOf(good, r.nextInt(good.length)); // truncated
      } else {
        f = good.clone();
        f[14 + r.nextInt(f.length - 14)] ^= (byte) (1 << r.nextInt(8)); // one bit flipped
      }
      link.inject(f);
    }
    link.sent.clear();
    assertAlive(1);
    assertTrue(stack.dropped > 0);
  }

  @Test
  void badChecksumsAreDropped() throws Exception {
    byte[] badIp = Frames.ping(Frames.GATEWAY, 2);
    badIp[24] ^= 1; // IP header checksum
    link.inject(badIp);
    assertNull(reply(2, 300), "no reply to a bad IP checksum");
    byte[] badIcmp = Frames.ping(Frames.GATEWAY, 3);
    badIcmp[40] ^= 1; // inside the ICMP message
    link.inject(badIcmp);
    assertNull(reply(3, 300), "no reply to a bad ICMP checksum");
    assertAlive(4);
  }

  @Test
  void fragmentsAreReassembledAndOverlapsRefused() throws Exception {
    byte[] echo = Frames.echo(7, 5, 1000);
    byte[] a = java.util.Arrays.copyOfRange(echo, 0, 512), b = java.util.Arrays.copyOfRange(echo, 512, echo.length);
    link.inject(Frames.ipv4(Frames.GUEST, Frames.GATEWAY, Stack.PROTO_ICMP, b, 99, 512 / 8)); // last fragment first
    link.inject(Frames.ipv4(Frames.GUEST, Frames.GATEWAY, Stack.PROTO_ICMP, a, 99, 0x2000));
    byte[] r = reply(5, 2000);
    assertTrue(r != null, "reassembled echo answered");
    assertEquals(20 + echo.length, Bytes.u16(r, 16), "the whole 1008-byte message came back");

    // the second fragment overlaps the first by 8 bytes: the datagram is dropped
    byte[] echo2 = Frames.echo(7, 6, 1000);
    link.inject(Frames.ipv4(Frames.GUEST, Frames.GATEWAY, Stack.PROTO_ICMP, java.util.Arrays.copyOfRange(echo2, 0, 512), 100, 0x2000));
    link.inject(Frames.ipv4(Frames.GUEST, Frames.GATEWAY, Stack.PROTO_ICMP, java.util.Arrays.copyOfRange(echo2, 504, echo2.length), 100, 504 / 8));
    assertNull(reply(6, 500), "overlapping fragments are refused");
    assertAlive(7);
  }

  @Test
  void anRstStormChangesNothing() throws Exception {
    Random r = new Random(1);
    for (int i = 0; i < 20000; i++) {
      link.inject(Frames.tcp(Frames.HOST, 1024 + r.nextInt(60000), 1 + r.nextInt(65535), r.nextInt(), r.nextInt(), 4 | 16, 0, new byte[0]));
    }
    Thread.sleep(200);
    assertTrue(link.sent.stream().noneMatch(Frames::isTcp), "no answers to resets for no connection");
    link.sent.clear();
    assertAlive(8);
    assertEquals(0, stack.flows().stream().filter(f -> f.protocol().equals("tcp")).count());
  }

  @Test
  void aGuestThatNeverReadsGetsOnlyItsWindowAndOthersAreServed() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = server.accept(); OutputStream o = s.getOutputStream()) {
          byte[] chunk = new byte[1 << 16];
          for (int i = 0; i < 1024; i++) o.write(chunk); // 64 MiB the guest will never take
        } catch (Exception e) {
          // the stack stopped taking data: expected
        }
      });
      int port = server.getLocalPort(), isn = 1000;
      link.inject(Frames.tcp(Frames.HOST, 40001, port, isn, 0, 2, 8192, new byte[0])); // SYN, window 8 KiB, no scaling
      byte[] synAck = null;
      for (int i = 0; i < 40 && synAck == null; i++) {
        byte[] f = link.next(100);
        if (Frames.isTcp(f) && (f[47] & 0x12) == 0x12) synAck = f;
      }
      assertTrue(synAck != null, "SYN-ACK");
      int serverSeq = Bytes.i32(synAck, 38);
      link.inject(Frames.tcp(Frames.HOST, 40001, port, isn + 1, serverSeq + 1, 16, 8192, new byte[0])); // ACK, never more
      Thread.sleep(1500);
      long data = 0;
      for (byte[] f : link.sent) {
        if (Frames.isTcp(f)) data += Bytes.u16(f, 16) - 20 - ((f[46] >> 4) & 0xf) * 4;
      }
      // the first window, plus retransmissions of its start while nothing is acknowledged
      assertTrue(data <= 8192 * 3, "sent " + data + " bytes into an 8 KiB window that was never acknowledged");
      link.sent.clear();
      assertAlive(9);
    }
  }

  @Test
  void pcapFilesAreReadByTcpdump(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/tcpdump")), "tcpdump is not installed");
    java.nio.file.Path file = tmp.resolve("cap.pcap");
    MemoryLink l = new MemoryLink();
    try (Stack s = Stack.start(l, VpnKit.Options.defaults().withPcap(file))) {
      l.inject(Frames.ping(Frames.GATEWAY, 11));
      for (int i = 0; i < 20 && !l.sent.stream().anyMatch(f -> Frames.isEchoReply(f, 11)); i++) Thread.sleep(50);
    }
    Process p = new ProcessBuilder("tcpdump", "-n", "-r", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("192.168.65.2 > 192.168.65.1: ICMP echo request") && out.contains("192.168.65.1 > 192.168.65.2: ICMP echo reply"), out);
  }

  @Test
  void outOfOrderSegmentsAreHeldAndSackedThenDeliveredInOrder() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      java.util.concurrent.CompletableFuture<String> got = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (Socket s = server.accept()) {
          return new String(s.getInputStream().readAllBytes());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      int port = server.getLocalPort(), isn = 5000;
      byte[] synOptions = {1, 1, 4, 2}; // NOP, NOP, SACK permitted
      link.inject(Frames.tcp(Frames.HOST, 40002, port, isn, 0, 2, 65535, synOptions, new byte[0]));
      byte[] synAck = null;
      for (int i = 0; i < 40 && synAck == null; i++) {
        byte[] f = link.next(100);
        if (Frames.isTcp(f) && (f[47] & 0x12) == 0x12) synAck = f;
      }
      assertTrue(synAck != null, "SYN-ACK");
      int theirs = Bytes.i32(synAck, 38) + 1;
      link.inject(Frames.tcp(Frames.HOST, 40002, port, isn + 1, theirs, 16, 65535, new byte[0]));
      link.sent.clear();
      link.inject(Frames.tcp(Frames.HOST, 40002, port, isn + 1 + 4, theirs, 16, 65535, "BBBB".getBytes())); // the second part first
      byte[] dupAck = null;
      for (int i = 0; i < 20 && dupAck == null; i++) {
        byte[] f = link.next(100);
        if (Frames.isTcp(f)) dupAck = f;
      }
      assertTrue(dupAck != null, "an ACK for the out-of-order segment");
      assertEquals(isn + 1, Bytes.i32(dupAck, 42), "still expects the hole");
      int hdr = ((dupAck[46] >> 4) & 0xf) * 4;
      assertEquals(32, hdr, "12 bytes of options: NOP NOP SACK(10)");
      assertEquals(5, dupAck[56]);
      assertEquals(isn + 5, Bytes.i32(dupAck, 58), "SACK left edge");
      assertEquals(isn + 9, Bytes.i32(dupAck, 62), "SACK right edge");
      link.inject(Frames.tcp(Frames.HOST, 40002, port, isn + 1, theirs, 16 | 8, 65535, "AAAA".getBytes())); // the hole
      link.inject(Frames.tcp(Frames.HOST, 40002, port, isn + 9, theirs, 16 | 1, 65535, new byte[0])); // FIN
      assertEquals("AAAABBBB", got.get(5, java.util.concurrent.TimeUnit.SECONDS), "delivered in order, once");
    }
  }

  @Test
  void dhcpDiscoverGetsAnOfferOfTheGuestAddress() throws Exception {
    byte[] m = new byte[300];
    m[0] = 1; m[1] = 1; m[2] = 6;
    Bytes.put32(m, 4, 0x12345678);
    System.arraycopy(Frames.GUEST_MAC, 0, m, 28, 6);
    Bytes.put32(m, 236, 0x63825363);
    m[240] = 53; m[241] = 1; m[242] = 1; m[243] = (byte) 255;
    byte[] udp = new byte[8 + m.length];
    Bytes.put16(udp, 0, 68);
    Bytes.put16(udp, 2, 67);
    Bytes.put16(udp, 4, udp.length);
    System.arraycopy(m, 0, udp, 8, m.length);
    link.inject(Frames.ipv4(0, 0xffffffff, Stack.PROTO_UDP, udp, 1, 0));
    byte[] offer = null;
    for (int i = 0; i < 20 && offer == null; i++) {
      byte[] f = link.next(100);
      if (f != null && f.length > 282 && f[23] == Stack.PROTO_UDP && Bytes.u16(f, 36) == 68) offer = f;
    }
    assertTrue(offer != null, "an OFFER");
    int bootp = 42;
    assertEquals(2, offer[bootp], "BOOTREPLY");
    assertEquals(0x12345678, Bytes.i32(offer, bootp + 4), "xid kept");
    assertEquals(Frames.GUEST, Bytes.i32(offer, bootp + 16), "yiaddr");
    assertEquals(0, Bytes.transportChecksum(Frames.GATEWAY, 0xffffffff, Stack.PROTO_UDP, offer, 34, Bytes.u16(offer, 38)), "UDP checksum");
  }
}
