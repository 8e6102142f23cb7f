package dockyard.vpnkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.vpnkit.link.DatagramLink;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vfkit-style datagram link, with Python's AF_UNIX/SOCK_DGRAM socket as the VM: an ARP question gets the gateway's answer. */
class DatagramLinkTest {
  @TempDir Path tmp;

  @Test
  void aVmOnADatagramSocketGetsAnArpReply() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
    Path ours = tmp.resolve("vpnkit.dgram"), vm = tmp.resolve("vm.dgram");
    try (VpnKit vk = VpnKit.start(DatagramLink.bind(ours), VpnKit.Options.defaults())) {
      String script = """
          import socket, sys
          s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
          s.bind(sys.argv[2]); s.settimeout(5)
          mac = bytes([2, 0, 0, 0, 0, 0x42])
          arp = bytes([255]*6) + mac + bytes([8, 6, 0, 1, 8, 0, 6, 4, 0, 1]) + mac + bytes([192, 168, 65, 2]) + bytes(6) + bytes([192, 168, 65, 1])
          s.sendto(arp, sys.argv[1])
          r = s.recv(65536)
          print(len(r), r[12:14].hex(), r[20:22].hex(), '.'.join(str(b) for b in r[28:32]), r[0:6].hex())
          """;
      Process p = new ProcessBuilder("python3", "-c", script, ours.toString(), vm.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      assertEquals(0, p.waitFor(), out);
      // 42 bytes, ethertype ARP, op 2 (reply), sender 192.168.65.1, to the VM's MAC
      assertEquals("42 0806 0002 192.168.65.1 020000000042", out);
    }
  }
}
