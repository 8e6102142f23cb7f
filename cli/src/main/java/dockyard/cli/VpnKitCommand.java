package dockyard.cli;

import dockyard.vpnkit.VpnKit;
import dockyard.vpnkit.link.FrameLink;
import dockyard.vpnkit.link.StreamLink;
import dockyard.vpnkit.link.TapLink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dockyard vpnkit --tap NAME [--netns NS] | --listen-qemu unix:PATH}: serve a guest network until interrupted. */
@Command(name = "vpnkit", mixinStandardHelpOptions = true,
        description = "A user-space network (VPNKit): a guest's Ethernet frames to host sockets, with DHCP, DNS and port forwarding.",
        subcommands = {VpnKitCommand.Expose.class, VpnKitCommand.Unexpose.class, VpnKitCommand.Ports.class, VpnKitCommand.Flows.class})
final class VpnKitCommand implements Callable<Integer> {
    @Option(names = "--control", description = "control socket (HTTP/JSON). Default: $XDG_RUNTIME_DIR/dockyard/vpnkit.sock, or /run/dockyard/vpnkit.sock")
    Path control;

    Path controlSocket() {
        if (control != null) return control;
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        return xdg != null && !xdg.isEmpty() ? Path.of(xdg, "dockyard", "vpnkit.sock") : Path.of("/run/dockyard/vpnkit.sock");
    }

    @Command(name = "expose", mixinStandardHelpOptions = true, description = "Forward host HOSTIP:HOSTPORT (tcp or udp) to the guest's port.")
    static final class Expose implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand VpnKitCommand parent;
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "HOSTPORT", description = "host port (0 picks one)") int hostPort;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "GUESTPORT") int guestPort;
        @Option(names = "--udp") boolean udp;
        @Option(names = "--host-ip", description = "Default: 127.0.0.1") String hostIp = "127.0.0.1";

        @Override public Integer call() throws Exception {
            String json = "{\"proto\":\"" + (udp ? "udp" : "tcp") + "\",\"hostIP\":\"" + hostIp + "\",\"hostPort\":" + hostPort + ",\"guestPort\":" + guestPort + "}";
            return print(dockyard.vpnkit.control.ControlServer.request(parent.controlSocket(), "POST", "/forwards", json));
        }
    }

    @Command(name = "unexpose", mixinStandardHelpOptions = true, description = "Stop forwarding a host port.")
    static final class Unexpose implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand VpnKitCommand parent;
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "HOSTPORT") int hostPort;
        @Option(names = "--udp") boolean udp;
        @Option(names = "--host-ip", description = "Default: 127.0.0.1") String hostIp = "127.0.0.1";

        @Override public Integer call() throws Exception {
            return print(dockyard.vpnkit.control.ControlServer.request(parent.controlSocket(), "DELETE",
                    "/forwards?proto=" + (udp ? "udp" : "tcp") + "&hostIP=" + hostIp + "&hostPort=" + hostPort, null));
        }
    }

    @Command(name = "ports", mixinStandardHelpOptions = true, description = "List forwarded ports (JSON).")
    static final class Ports implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand VpnKitCommand parent;

        @Override public Integer call() throws Exception {
            return print(dockyard.vpnkit.control.ControlServer.request(parent.controlSocket(), "GET", "/forwards", null));
        }
    }

    @Command(name = "flows", mixinStandardHelpOptions = true, description = "List the guest's connections with bytes and state (JSON).")
    static final class Flows implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand VpnKitCommand parent;

        @Override public Integer call() throws Exception {
            return print(dockyard.vpnkit.control.ControlServer.request(parent.controlSocket(), "GET", "/flows", null));
        }
    }

    static int print(String[] statusAndBody) {
        int status = Integer.parseInt(statusAndBody[0]);
        if (status >= 400) {
            String message = statusAndBody[1];
            try { // the control API's {"error": "..."}: the message alone
                var error = new com.fasterxml.jackson.databind.ObjectMapper().readTree(message).path("error");
                if (error.isTextual()) message = error.asText();
            } catch (IOException notJson) {
                // shown as it came
            }
            System.err.println("dockyard: vpnkit: " + message);
            return 1;
        }
        if (!statusAndBody[1].isEmpty()) System.out.println(statusAndBody[1]);
        return 0;
    }

    @Option(names = "--tap", description = "tap device to create and serve (needs root or CAP_NET_ADMIN)") String tap;
    @Option(names = "--netns", description = "move the tap into this network namespace (ip netns) and bring it up there") String netns;
    @Option(names = "--listen-dgram", description = "PATH: a unix datagram socket, one frame per datagram (vfkit, gvisor-tap-vsock style)") Path listenDgram;
    @Option(names = "--listen-qemu", description = "unix:PATH: accept qemu's stream netdev (-netdev stream,addr.type=unix,addr.path=PATH), one guest at a time") String listenQemu;
    @Option(names = "--subnet", description = "guest network. Default: 192.168.65.0/24 (gateway .1, guest .2, host .254)") String subnet;
    @Option(names = "--pcap", description = "write every frame to this pcap file") Path pcap;
    @Option(names = "--mtu", description = "the guest link's MTU (also set on the tap). Default: 1500") int mtu = 1500;
    @Option(names = "--expose", description = "forward host 127.0.0.1:HOSTPORT to guest port: HOSTPORT:GUESTPORT[/udp]; repeatable") java.util.List<String> expose = new java.util.ArrayList<>();

    @Override public Integer call() throws Exception {
        int given = (tap != null ? 1 : 0) + (listenQemu != null ? 1 : 0) + (listenDgram != null ? 1 : 0);
        if (given != 1) throw new IllegalArgumentException("give one of --tap NAME, --listen-qemu unix:PATH or --listen-dgram PATH");
        VpnKit.Options o = VpnKit.Options.defaults().withLog(s -> System.err.println("vpnkit: " + s));
        if (pcap != null) o = o.withPcap(pcap);
        if (subnet != null) o = o.withSubnet(subnet);
        o = o.withMtu(mtu);
        // A control socket another vpnkit answers on is refused before anything is set up (in the
        // qemu mode the control server starts only when a VM connects, too late to say so).
        dockyard.vpnkit.link.UnixSocketFile.checkFree(controlSocket(), dockyard.vpnkit.control.ControlServer.OWNER);
        if (listenDgram != null) {
            try (var stop = new ServeSupport.UntilInterrupted(); VpnKit vk = VpnKit.start(dockyard.vpnkit.link.DatagramLink.bind(listenDgram), o);
                 var ctl = dockyard.vpnkit.control.ControlServer.start(vk, controlSocket())) {
                exposeAll(vk);
                System.err.println("vpnkit: serving datagrams on " + listenDgram);
                stop.await();
            }
            return 0;
        }
        if (tap != null) {
            FrameLink link = TapLink.open(tap);
            if (netns != null) {
                run("ip", "link", "set", tap, "netns", netns);
                // a long queue on the guest's side absorbs bursts while the stack catches up (fewer drops, fewer retransmits)
                run("ip", "netns", "exec", netns, "ip", "link", "set", tap, "mtu", Integer.toString(mtu), "txqueuelen", "10000", "up");
            } else {
                run("ip", "link", "set", tap, "mtu", Integer.toString(mtu), "txqueuelen", "10000", "up");
            }
            try (var stop = new ServeSupport.UntilInterrupted(); VpnKit vk = VpnKit.start(link, o); var ctl = dockyard.vpnkit.control.ControlServer.start(vk, controlSocket())) {
                exposeAll(vk);
                System.err.println("vpnkit: serving tap " + tap + (netns != null ? " in netns " + netns : "") + "; guest " + o.guest()
                        + ", gateway/DNS " + o.gateway() + ", host " + o.hostAlias());
                stop.await();
            }
            return 0;
        }
        if (!listenQemu.startsWith("unix:")) throw new IllegalArgumentException("--listen-qemu must be unix:PATH");
        Path path = Path.of(listenQemu.substring(5));
        VpnKit.Options opts = o;
        // the listen socket is removed on the way out (Ctrl-C included): the hook waits for the close
        try (var stop = new ServeSupport.UntilInterrupted()) {
            Thread serving;
            try (var listener = dockyard.vpnkit.link.QemuListener.listen(path)) {
                System.err.println("vpnkit: waiting for qemu on " + path + " (-netdev stream,id=n0,server=off,addr.type=unix,addr.path=" + path + ")");
                serving = Thread.ofVirtual().start(() -> listener.serve((link, channel) -> {
                    try (VpnKit vk = VpnKit.start(link, opts); var ctl = dockyard.vpnkit.control.ControlServer.start(vk, controlSocket())) {
                        exposeAll(vk);
                        StreamLink.awaitClosed(channel);
                    }
                }, opts.log()));
                stop.await();
            }
            // closing the listener ended the VM's session; its control socket goes with it
            serving.join(java.time.Duration.ofSeconds(5));
        }
        return 0;
    }

    private void exposeAll(VpnKit vk) throws IOException {
        for (String e : expose) {
            String proto = e.endsWith("/udp") ? "udp" : "tcp";
            String[] p = e.replace("/udp", "").replace("/tcp", "").split(":");
            if (p.length != 2) throw new IllegalArgumentException("--expose " + e + ": want HOSTPORT:GUESTPORT[/udp]");
            var f = vk.expose(proto, "127.0.0.1", Integer.parseInt(p[0]), Integer.parseInt(p[1]));
            System.err.println("vpnkit: " + f.protocol() + " 127.0.0.1:" + f.hostPort() + " -> guest " + f.guestAddress() + ":" + f.guestPort());
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + ": " + out.strip());
    }
}
