package dockyard.linuxkit.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code linuxkit run qemu}: boots a build's output with a serial console on the terminal. PATH is
 * what the build wrote: NAME (NAME-kernel, NAME-initrd.img, NAME-cmdline), NAME.iso or NAME-bios.img.
 * KVM is used only when asked ({@code --accel kvm}) or when /dev/kvm works for Linux guests; TCG
 * otherwise, which boots anywhere.
 */
public final class QemuRunner {
  public record Options(String memory, int cpus, String accel, boolean network, List<String> publish, List<String> disks,
                        String qemu, List<String> extra) {
    public static Options defaults() {
      return new Options("1024", 1, "tcg", true, List.of(), List.of(), "qemu-system-x86_64", List.of());
    }
  }

  private QemuRunner() {}

  /** The qemu command line for {@code path}; fails naming what is missing. */
  public static List<String> command(Path path, Options o) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(o.qemu(), "-machine", "q35,accel=" + o.accel(), "-m", o.memory(),
        "-smp", Integer.toString(o.cpus()), "-nographic", "-no-reboot", "-device", "virtio-rng-pci"));
    String name = path.getFileName().toString();
    if (name.endsWith(".iso")) {
      need(path);
      cmd.addAll(List.of("-cdrom", path.toString(), "-boot", "d"));
    } else if (name.endsWith(".img") && !name.endsWith("-initrd.img")) {
      need(path);
      cmd.addAll(List.of("-drive", "file=" + path + ",format=raw,if=virtio"));
    } else {
      String base = name.endsWith("-kernel") ? name.substring(0, name.length() - "-kernel".length()) : name;
      Path dir = path.toAbsolutePath().getParent();
      Path kernel = dir.resolve(base + "-kernel"), initrd = dir.resolve(base + "-initrd.img"), cmdline = dir.resolve(base + "-cmdline");
      need(kernel);
      need(initrd);
      String append = Files.exists(cmdline) ? Files.readString(cmdline, StandardCharsets.UTF_8).strip() : "";
      cmd.addAll(List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", append));
    }
    for (String d : o.disks()) cmd.addAll(List.of("-drive", "file=" + d + ",format=" + (d.endsWith(".qcow2") ? "qcow2" : "raw") + ",if=virtio"));
    if (o.network()) {
      StringBuilder net = new StringBuilder("user,id=t0");
      for (String p : o.publish()) net.append(",hostfwd=").append(publishRule(p));
      cmd.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=t0"));
    } else {
      cmd.addAll(List.of("-nic", "none"));
    }
    cmd.addAll(o.extra());
    return cmd;
  }

  /** {@code HOST:GUEST[/tcp|/udp]} as in LinuxKit's -publish, to qemu's hostfwd form. */
  static String publishRule(String p) throws IOException {
    String proto = "tcp", spec = p;
    int slash = p.indexOf('/');
    if (slash >= 0) {
      proto = p.substring(slash + 1);
      spec = p.substring(0, slash);
    }
    String[] parts = spec.split(":");
    if (parts.length != 2 || !(proto.equals("tcp") || proto.equals("udp"))) {
      throw new IOException("cannot parse publish \"" + p + "\" (want HOSTPORT:GUESTPORT[/tcp|/udp])");
    }
    try {
      Integer.parseInt(parts[0]);
      Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("cannot parse publish \"" + p + "\": ports must be numbers");
    }
    return proto + ":127.0.0.1:" + parts[0] + "-:" + parts[1];
  }

  private static void need(Path p) throws IOException {
    if (!Files.isRegularFile(p)) throw new IOException(p + ": not found (run `dockyard linuxkit build` first)");
  }

  /** Runs qemu on the caller's terminal and returns its exit code. */
  public static int run(Path path, Options o) throws IOException, InterruptedException {
    List<String> cmd = command(path, o);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor();
  }
}
