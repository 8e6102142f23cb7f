package dockyard.cli;

import dockyard.hyperkit.VirtualMachine;
import dockyard.hyperkit.VmExit;
import dockyard.vpnkit.link.FrameLink;
import dockyard.hyperkit.virtio.BlockBackend;
import dockyard.hyperkit.virtio.VirtioBlock;
import dockyard.hyperkit.virtio.VirtioNet;
import dockyard.hyperkit.virtio.VirtioRng;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dockyard hyperkit run}: boot a kernel on /dev/kvm with virtio devices, no firmware. */
@Command(name = "hyperkit", mixinStandardHelpOptions = true, description = "A lightweight VMM on /dev/kvm (HyperKit).",
        subcommands = {HyperKitCommand.Run.class})
final class HyperKitCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run a Linux bzImage (64-bit boot protocol), an ELF executable or a real-mode image until it exits.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--kernel", required = true, description = "bzImage, ELF (64/32-bit) or raw real-mode image") Path kernel;
        @Option(names = "--initrd", description = "initramfs for a Linux kernel") Path initrd;
        @Option(names = "--cmdline", description = "kernel command line (virtio_mmio.device= entries are appended)") String cmdline = "console=ttyS0";
        @Option(names = "--mem", description = "guest memory, e.g. 512M, 2G (a multiple of 2 MiB). Default: 512M") String mem = "512M";
        @Option(names = "--cpus", description = "vCPUs. Default: 1") int cpus = 1;
        @Option(names = "--net", description = "virtio-net: vpnkit (VPNKit in this process), vpnkit:PATH or stream:PATH (qemu stream socket), tap:NAME, dgram:PATH; repeatable") List<String> nets = new ArrayList<>();
        @Option(names = "--disk", description = "virtio-blk: raw:FILE, qcow2:FILE, raw-ro:FILE, qcow2-ro:FILE (or just FILE, raw); repeatable") List<String> disks = new ArrayList<>();
        @Option(names = "--rng", negatable = true, description = "virtio-rng (default: on)") boolean rng = true;
        @Option(names = "--virtio-console", description = "also a virtio-console (hvc0) on the console") boolean virtioConsole;
        @Option(names = "--vsock", description = "virtio-vsock CID[:UDS]: guest connections to host port P reach unix socket UDS_P; host programs connect to UDS and send \"CONNECT P\\n\" (Firecracker's scheme). Default UDS: ./vsock-CID.sock") String vsock;
        @Option(names = "--9p", description = "virtio-9p TAG=ADDR: the guest mounts the 9P server at ADDR (tcp:HOST:PORT or unix:PATH, e.g. DataKit) with mount -t 9p -o trans=virtio TAG; repeatable") List<String> ninep = new ArrayList<>();
        @Option(names = "--console", description = "stdio (default) or file:PATH") String console = "stdio";

        /** Runs with {@code args} parsed as this command's options (for `linuxkit run hyperkit`). */
        Integer call(List<String> args) throws Exception {
            new picocli.CommandLine(this).parseArgs(args.toArray(String[]::new));
            return call();
        }

        @Override public Integer call() throws Exception {
            OutputStream out;
            boolean stdio = console.equals("stdio");
            if (stdio) out = System.out;
            else if (console.startsWith("file:")) out = Files.newOutputStream(Path.of(console.substring(5)), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            else throw new IllegalArgumentException("--console must be stdio or file:PATH, got \"" + console + "\"");
            VirtualMachine.Builder b = VirtualMachine.builder().kernel(kernel).memory(parseSize(mem)).cpus(cpus).cmdline(cmdline).console(out);
            if (initrd != null) b.initrd(initrd);
            if (rng) b.virtio(new VirtioRng());
            int n = 0;
            for (String d : disks) {
                String kind = d.contains(":") ? d.substring(0, d.indexOf(':')) : "raw";
                String file = d.contains(":") ? d.substring(d.indexOf(':') + 1) : d;
                if (List.of("raw", "raw-ro", "qcow2", "qcow2-ro").contains(kind)) InputFiles.require(Path.of(file), "hyperkit run --disk " + d, "disk image");
                switch (kind) {
                    case "raw" -> b.virtio(new VirtioBlock(BlockBackend.raw(Path.of(file), false), "dockyard" + n++));
                    case "raw-ro" -> b.virtio(new VirtioBlock(BlockBackend.raw(Path.of(file), true), "dockyard" + n++));
                    case "qcow2" -> b.virtio(new VirtioBlock(dockyard.hyperkit.virtio.Qcow2.open(Path.of(file), false), "dockyard" + n++));
                    case "qcow2-ro" -> b.virtio(new VirtioBlock(dockyard.hyperkit.virtio.Qcow2.open(Path.of(file), true), "dockyard" + n++));
                    default -> throw new IllegalArgumentException("--disk " + d + ": want raw:FILE, qcow2:FILE, raw-ro:FILE or qcow2-ro:FILE");
                }
            }
            int m = 0;
            List<AutoCloseable> stacks = new ArrayList<>();
            for (String net : nets) {
                if (net.equals("vpnkit")) { // VPNKit in this process, joined to the NIC in memory
                    var pair = new dockyard.vpnkit.link.LinkPair();
                    stacks.add(dockyard.vpnkit.VpnKit.start(pair.second(), dockyard.vpnkit.VpnKit.Options.defaults()));
                    b.virtio(new VirtioNet(pair.first(), VirtioNet.mac(m++)));
                } else {
                    b.virtio(new VirtioNet(FrameLink.open(net), VirtioNet.mac(m++)));
                }
            }
            if (virtioConsole) b.virtioConsole();
            for (String p9 : ninep) {
                int eq = p9.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--9p " + p9 + ": want TAG=ADDR, e.g. datakit=tcp:127.0.0.1:5640");
                b.virtio(new dockyard.hyperkit.virtio.Virtio9p(p9.substring(0, eq), p9.substring(eq + 1)));
            }
            if (vsock != null) {
                String[] p = vsock.split(":", 2);
                long cid;
                try {
                    cid = Long.parseLong(p[0]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--vsock " + vsock + ": want CID[:UDS], e.g. 3:/tmp/v.sock");
                }
                b.virtio(new dockyard.hyperkit.virtio.VirtioVsock(cid, Path.of(p.length > 1 ? p[1] : "vsock-" + cid + ".sock")));
            }
            // the boot files, each named by its flag and role (after the flags' syntax was checked above)
            InputFiles.require(kernel, "hyperkit run --kernel", "kernel image (bzImage, ELF or raw real-mode image)");
            if (initrd != null) InputFiles.require(initrd, "hyperkit run --initrd", "initramfs");
            // Ctrl-C: every vCPU leaves KVM_RUN, then the hook waits until the devices are closed
            // (a --vsock socket file removed, disks flushed) before the JVM halts
            java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
            try (VirtualMachine vm = b.build()) {
                Thread hook = new Thread(() -> {
                    vm.stop();
                    try {
                        closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "hyperkit-stop");
                Runtime.getRuntime().addShutdownHook(hook);
                if (stdio) {
                    Thread.ofVirtual().start(() -> {
                        byte[] buf = new byte[256];
                        try (InputStream in = System.in) {
                            for (int r; (r = in.read(buf)) > 0; ) vm.serialInput(java.util.Arrays.copyOf(buf, r));
                        } catch (IOException e) {
                            // no input
                        }
                    });
                }
                VmExit exit = vm.run();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what stopped us
                }
                if (exit.isError()) System.err.println("dockyard: hyperkit: " + exit);
                return exit.status();
            } finally {
                try {
                    if (!stdio) out.close();
                    for (AutoCloseable c : stacks) c.close();
                } finally {
                    closed.countDown();
                }
            }
        }
    }

    /** 512M, 2G, 1048576, 64MiB: bytes. */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long mult = 1;
        if (t.endsWith("K")) mult = 1L << 10;
        else if (t.endsWith("M")) mult = 1L << 20;
        else if (t.endsWith("G")) mult = 1L << 30;
        if (mult != 1) t = t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(t) * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--mem \"" + s + "\": want a size like 512M or 2G");
        }
    }
}
