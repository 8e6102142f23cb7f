package dockyard.runc;

import dockyard.runc.spec.DefaultSpec;
import dockyard.runc.spec.Spec;
import dockyard.runc.spec.SpecLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** OCI bundles for tests: `runc spec`'s config over a rootfs made of busybox-static. */
final class Bundles {
  static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> APPLETS = List.of(
      "sh", "echo", "cat", "true", "false", "sleep", "hostname", "touch", "mkdir", "chown", "id", "ls",
      "dd", "seq", "tty", "wc", "grep", "head", "ps", "kill", "stat", "readlink", "mount", "env");

  private Bundles() {}

  /** True where the integration tests can run: root, and busybox-static present. */
  static boolean available() {
    return dockyard.linux.Libc.geteuid() == 0 && Files.isExecutable(BUSYBOX);
  }

  /** A bundle whose process runs {@code args}, with the default spec changed by {@code edit}. */
  static Path make(Path dir, List<String> args, UnaryOperator<Spec> edit) throws IOException {
    Path rootfs = dir.resolve("rootfs");
    for (String d : List.of("bin", "proc", "sys", "dev", "tmp", "etc", "root")) Files.createDirectories(rootfs.resolve(d));
    Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
    for (String a : APPLETS) Files.createSymbolicLink(rootfs.resolve("bin").resolve(a), Path.of("busybox"));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Spec s = DefaultSpec.create();
    Spec.Process p = s.process();
    s = withProcess(s, new Spec.Process(false, null, p.user(), args, null, p.env(), p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null));
    s = edit.apply(s);
    Files.writeString(dir.resolve(SpecLoader.CONFIG), SpecLoader.toJson(s));
    return dir;
  }

  static Spec withProcess(Spec s, Spec.Process p) {
    return new Spec(s.ociVersion(), p, s.root(), s.hostname(), s.domainname(), s.mounts(), s.hooks(), s.annotations(), s.linux());
  }

  static Spec withRoot(Spec s, Spec.Root r) {
    return new Spec(s.ociVersion(), s.process(), r, s.hostname(), s.domainname(), s.mounts(), s.hooks(), s.annotations(), s.linux());
  }

  static Spec withHooks(Spec s, Spec.Hooks h) {
    return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(), h, s.annotations(), s.linux());
  }

  static Spec withHostname(Spec s, String hostname) {
    return new Spec(s.ociVersion(), s.process(), s.root(), hostname, s.domainname(), s.mounts(), s.hooks(), s.annotations(), s.linux());
  }

  static Spec withLinux(Spec s, UnaryOperator<LinuxEdit> edit) {
    Spec.Linux l = s.linux();
    LinuxEdit e = edit.apply(new LinuxEdit(l.resources(), l.namespaces(), l.seccomp(), l.cgroupsPath(), l.uidMappings(), l.gidMappings()));
    Spec.Linux n = new Spec.Linux(e.uidMappings, e.gidMappings, l.sysctl(), e.resources, e.cgroupsPath, e.namespaces, l.devices(), e.seccomp,
        l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel());
    return new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(), s.hooks(), s.annotations(), n);
  }

  static Spec withCaps(Spec s, List<String> caps) {
    Spec.Process p = s.process();
    return withProcess(s, new Spec.Process(p.terminal(), p.consoleSize(), p.user(), p.args(), null, p.env(), p.cwd(),
        new Spec.Capabilities(caps, caps, null, caps, caps), p.rlimits(), p.noNewPrivileges(), null, null, null));
  }

  static Spec withTerminal(Spec s) {
    Spec.Process p = s.process();
    return withProcess(s, new Spec.Process(true, new Spec.ConsoleSize(24, 80), p.user(), p.args(), null, p.env(), p.cwd(),
        p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null));
  }

  /** The mutable corner of linux{} a test changes. */
  record LinuxEdit(Spec.Resources resources, List<Spec.Namespace> namespaces, Spec.Seccomp seccomp, String cgroupsPath,
      List<Spec.IdMapping> uidMappings, List<Spec.IdMapping> gidMappings) {
    LinuxEdit resources(Spec.Resources r) { return new LinuxEdit(r, namespaces, seccomp, cgroupsPath, uidMappings, gidMappings); }
    LinuxEdit namespaces(List<Spec.Namespace> n) { return new LinuxEdit(resources, n, seccomp, cgroupsPath, uidMappings, gidMappings); }
    LinuxEdit seccomp(Spec.Seccomp sc) { return new LinuxEdit(resources, namespaces, sc, cgroupsPath, uidMappings, gidMappings); }
    LinuxEdit maps(List<Spec.IdMapping> both) { return new LinuxEdit(resources, namespaces, seccomp, cgroupsPath, both, both); }
  }
}
