package dockyard.vpnkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dockyard.vpnkit.link.QemuListener;
import dockyard.vpnkit.link.StreamLink;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real qemu guest (Debian's kernel, TCG) whose virtio-net NIC is connected to the stack through
 * qemu's stream netdev on a unix socket, as Docker Desktop's VM is to VPNKit: the guest gets its
 * lease by DHCP, pings the gateway, resolves host.dockyard.internal and downloads a file from the
 * host's loopback, checked by MD5 (busybox's).
 */
class QemuGuestTest {
  @TempDir Path tmp;

  static Path kernelStage() throws Exception {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path k = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("kernel9p/kernel");
    if (!Files.isDirectory(k.resolve("stage"))) {
      Path script = Path.of("../../shared/harness/kernel9p/build-initramfs.sh").toAbsolutePath().normalize();
      Assumptions.assumeTrue(Files.isExecutable(script), "no kernel in " + k + " and no " + script + " to make one");
      assertEquals(0, new ProcessBuilder("bash", script.toString()).inheritIO().start().waitFor());
    }
    return k;
  }

  @Test
  void qemuGuestGetsALeaseResolvesAndDownloadsThroughTheStreamSocket() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")), "qemu-system-x86 is not installed");
    Path k = kernelStage();
    byte[] data = new byte[4 << 20];
    new Random(5).nextBytes(data);
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    http.createContext("/data", ex -> {
      ex.sendResponseHeaders(200, data.length);
      try (var o = ex.getResponseBody()) {
        o.write(data);
      }
    });
    http.start();
    int port = http.getAddress().getPort();

    Path root = tmp.resolve("root");
    new ProcessBuilder("cp", "-a", k.resolve("stage").toString(), root.toString()).start().waitFor();
    Files.writeString(root.resolve("init"), """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin:/sbin
        mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
        exec </dev/console >/dev/console 2>&1
        for m in $(cat /lib/modules/order); do insmod /lib/modules/$m 2>/dev/null; done
        ip link set lo up; ip link set eth0 up
        port=$(sed -n 's/.*vkport=\\([0-9]*\\).*/\\1/p' /proc/cmdline)
        printf '#!/bin/sh\\n[ "$1" = bound ] && ip addr add $ip/${mask:-24} dev $interface && ip route add default via $router && echo "@@LEASE $ip router $router dns $dns"\\nexit 0\\n' > /dhcp.sh
        chmod +x /dhcp.sh
        udhcpc -i eth0 -q -n -t 10 -T 1 -s /dhcp.sh
        ping -c 2 -W 2 192.168.65.1 >/dev/null && echo "@@PING-OK"
        nslookup host.dockyard.internal 192.168.65.1 | grep -q 192.168.65.254 && echo "@@DNS-OK"
        echo "@@MD5 $(wget -q -O - http://192.168.65.254:$port/data | md5sum | cut -d' ' -f1)"
        poweroff -f
        """);
    root.resolve("init").toFile().setExecutable(true);
    Path initrd = tmp.resolve("initrd.cpio");
    assertEquals(0, new ProcessBuilder("bash", "-c", "cd " + root + " && find . | cpio -o -H newc --quiet > " + initrd).start().waitFor());

    Path sock = tmp.resolve("vpnkit.sock");
    try (QemuListener listener = QemuListener.listen(sock)) {
      Thread.ofVirtual().start(() -> listener.serve((link, channel) -> {
        try (VpnKit vk = VpnKit.start(link, VpnKit.Options.defaults())) {
          StreamLink.awaitClosed(channel);
        }
      }, System.out::println));
      Path console = tmp.resolve("console.log");
      Process q = new ProcessBuilder("qemu-system-x86_64", "-m", "256", "-nographic", "-no-reboot", "-kernel", k.resolve("vmlinuz").toString(),
          "-initrd", initrd.toString(), "-append", "console=ttyS0 panic=-1 quiet vkport=" + port,
          "-netdev", "stream,id=n0,server=off,addr.type=unix,addr.path=" + sock, "-device", "virtio-net-pci,netdev=n0")
          .redirectErrorStream(true).redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
      boolean done = q.waitFor(150, TimeUnit.SECONDS);
      if (!done) q.destroyForcibly().waitFor();
      String out = Files.readString(console, StandardCharsets.ISO_8859_1);
      assertTrue(done, "qemu did not power off:\n" + out);
      assertTrue(out.contains("@@LEASE 192.168.65.2 router 192.168.65.1 dns 192.168.65.1"), out);
      assertTrue(out.contains("@@PING-OK"), out);
      assertTrue(out.contains("@@DNS-OK"), out);
      assertTrue(out.contains("@@MD5 " + md5), "download checked by MD5:\n" + out);
    } finally {
      http.stop(0);
    }
  }
}
