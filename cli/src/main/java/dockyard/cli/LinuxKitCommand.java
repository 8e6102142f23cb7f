package dockyard.cli;

import dockyard.linuxkit.LinuxKit;
import dockyard.linuxkit.output.Outputs;
import dockyard.linuxkit.pkg.PackageBuilder;
import dockyard.linuxkit.run.QemuRunner;
import dockyard.oci.OciLayout;
import dockyard.oci.PlatformSelector;
import dockyard.oci.registry.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dockyard linuxkit build|run|pkg}: LinuxKit's verbs, without Docker. */
@Command(name = "linuxkit", mixinStandardHelpOptions = true,
        description = "Build a bootable, immutable OS from a YAML file of OCI images (LinuxKit).",
        subcommands = {LinuxKitCommand.Build.class, LinuxKitCommand.Run.class, LinuxKitCommand.Pkg.class})
final class LinuxKitCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    @Command(name = "build", mixinStandardHelpOptions = true, description = "Build an image from YAML files (later files add to earlier ones).")
    static final class Build implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE.yml") List<Path> files;

        @Option(names = {"-o", "--dir", "-dir"}, description = "Output directory. Default: the current directory.")
        Path dir = Path.of(".");

        @Option(names = {"--name", "-name"}, description = "Base name of the outputs. Default: the first YAML's name.")
        String name;

        @Option(names = {"-f", "--format", "-format"}, split = ",",
                description = "Output formats, repeatable or comma separated: kernel+initrd (default), tar-kernel-initrd, tar, iso-bios, raw-bios.")
        List<String> formats = new ArrayList<>();

        @Option(names = {"--cache", "-cache"}, description = "Image cache. Default: $XDG_CACHE_HOME/dockyard/linuxkit.")
        Path cache;

        @Option(names = {"--pull", "-pull"}, description = "Pull tagged registry images even when cached.")
        boolean pull;

        @Option(names = {"--arch", "-arch"}, description = "Architecture of the images. Default: amd64.")
        String arch = "amd64";

        @Option(names = "--registry-mirror", description = "Registry mirror URL for docker.io images (repeatable).")
        List<URI> mirrors = new ArrayList<>();

        @Option(names = "--insecure-registry", description = "Registry (HOST:PORT) spoken to over plain http (repeatable).")
        List<String> insecure = new ArrayList<>();

        @Option(names = {"--size", "-size"}, description = "Size of a raw-bios disk in MiB. Default: what fits.")
        long size;

        @Option(names = {"-q", "--quiet"}, description = "Print only errors.")
        boolean quiet;

        @Override public Integer call() throws Exception {
            RegistryClient.Options reg = RegistryClient.Options.defaults().withInsecure(insecure.toArray(String[]::new))
                    .withMirrors(mirrors.toArray(URI[]::new));
            LinuxKit.BuildOptions o = LinuxKit.BuildOptions.defaults(dir)
                    .withFormats(formats.isEmpty() ? List.of("kernel+initrd") : formats)
                    .withName(name).withPull(pull).withRegistry(reg)
                    .withCache(cache != null ? cache : LinuxKit.defaultCache()).withDiskSize(size)
                    .withLog(quiet ? s -> {} : s -> System.err.println(s));
            o = new LinuxKit.BuildOptions(o.outputDir(), o.name(), o.formats(), o.cacheDir(), o.pull(),
                    PlatformSelector.of("linux/" + arch), o.registry(), o.diskSizeMiB(), o.log());
            for (Path p : LinuxKit.build(files, o)) if (!quiet) System.out.println(p);
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Boot a build's output.",
            subcommands = {Run.Qemu.class, Run.Hyperkit.class})
    static final class Run implements Runnable {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(System.out); }

        @Command(name = "hyperkit", mixinStandardHelpOptions = true,
                description = "Boot NAME (NAME-kernel, NAME-initrd.img, NAME-cmdline) on dockyard's own VMM (/dev/kvm; a host whose KVM cannot run Linux, e.g. nested kvm_pvm, will not boot it).")
        static final class Hyperkit implements Callable<Integer> {
            @Parameters(paramLabel = "PATH") Path path;
            @Option(names = {"--mem", "-mem"}, description = "Memory. Default: 1024M.") String mem = "1024M";
            @Option(names = {"--cpus", "-cpus"}, description = "CPUs. Default: 1.") int cpus = 1;
            @Option(names = {"--networking", "-networking"}, description = "vpnkit:PATH or tap:NAME; default none.") String networking;
            @Option(names = {"--disk", "-disk"}, description = "raw:FILE or qcow2:FILE, repeatable.") List<String> disks = new ArrayList<>();

            @Override public Integer call() throws Exception {
                String name = path.getFileName().toString().replaceFirst("-kernel$", "");
                Path dir = path.toAbsolutePath().getParent();
                Path kernel = dir.resolve(name + "-kernel"), initrd = dir.resolve(name + "-initrd.img"), cmdline = dir.resolve(name + "-cmdline");
                if (!java.nio.file.Files.isRegularFile(kernel)) throw new java.io.IOException(kernel + ": not found (run `dockyard linuxkit build` first)");
                List<String> args = new ArrayList<>(List.of("--kernel", kernel.toString(), "--mem", mem, "--cpus", Integer.toString(cpus),
                        "--cmdline", java.nio.file.Files.exists(cmdline) ? java.nio.file.Files.readString(cmdline).strip() : "console=ttyS0"));
                if (java.nio.file.Files.exists(initrd)) args.addAll(List.of("--initrd", initrd.toString()));
                if (networking != null) args.addAll(List.of("--net", networking));
                for (String d : disks) args.addAll(List.of("--disk", d));
                return new HyperKitCommand.Run().call(args);
            }
        }

        @Command(name = "qemu", mixinStandardHelpOptions = true,
                description = "Boot NAME (NAME-kernel/-initrd.img/-cmdline), NAME.iso or NAME-bios.img under qemu with a serial console.")
        static final class Qemu implements Callable<Integer> {
            @Parameters(paramLabel = "PATH") Path path;
            @Option(names = {"--mem", "-mem"}, description = "Memory in MiB. Default: 1024.") String mem = "1024";
            @Option(names = {"--cpus", "-cpus"}, description = "CPUs. Default: 1.") int cpus = 1;
            @Option(names = {"--accel", "-accel"}, description = "tcg or kvm. Default: tcg (works under any host).") String accel = "tcg";
            @Option(names = {"--networking", "-networking"}, description = "user (default) or none.") String networking = "user";
            @Option(names = {"--publish", "-publish"}, description = "HOSTPORT:GUESTPORT[/tcp|/udp], repeatable.") List<String> publish = new ArrayList<>();
            @Option(names = {"--disk", "-disk"}, description = "Extra disk image file, repeatable.") List<String> disks = new ArrayList<>();
            @Option(names = "--qemu", description = "qemu binary. Default: qemu-system-x86_64.") String qemu = "qemu-system-x86_64";

            @Override public Integer call() throws Exception {
                if (!networking.equals("user") && !networking.equals("none")) throw new IllegalArgumentException("--networking must be user or none");
                if (!accel.equals("tcg") && !accel.equals("kvm")) throw new IllegalArgumentException("--accel must be tcg or kvm");
                return QemuRunner.run(path, new QemuRunner.Options(mem, cpus, accel, networking.equals("user"), publish, disks, qemu, List.of()));
            }
        }
    }

    @Command(name = "pkg", mixinStandardHelpOptions = true, description = "Build LinuxKit packages.", subcommands = {Pkg.PkgBuild.class})
    static final class Pkg implements Runnable {
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public void run() { spec.commandLine().usage(System.out); }

        @Command(name = "build", mixinStandardHelpOptions = true,
                description = "Build DIR (build.yml plus rootfs/ and listed files) into an OCI image; prints its reference.")
        static final class PkgBuild implements Callable<Integer> {
            @Parameters(paramLabel = "DIR") Path dir;
            @Option(names = {"--output", "-o"}, description = "oci:LAYOUT to write to. Default: the build cache, where `build` finds it by reference.")
            String output;
            @Option(names = {"--cache", "-cache"}, description = "Image cache. Default: $XDG_CACHE_HOME/dockyard/linuxkit.") Path cache;
            @Option(names = {"--tag", "-tag"}, description = "Tag instead of the content hash.") String tag;

            @Override public Integer call() throws Exception {
                OciLayout layout;
                String extraTag = null;
                if (output != null) {
                    if (!output.startsWith("oci:")) throw new IllegalArgumentException("--output must be oci:DIR[:TAG], got \"" + output + "\"");
                    String rest = output.substring(4);
                    int colon = rest.lastIndexOf(':');
                    if (colon > 0 && rest.indexOf('/', colon) < 0) {
                        extraTag = rest.substring(colon + 1);
                        rest = rest.substring(0, colon);
                    }
                    layout = OciLayout.openOrCreate(Path.of(rest));
                } else {
                    layout = OciLayout.openOrCreate((cache != null ? cache : LinuxKit.defaultCache()).resolve("layout"));
                }
                PackageBuilder.Result r = new PackageBuilder(s -> System.err.println(s)).build(dir, layout, tag, extraTag);
                System.out.println(r.reference());
                return 0;
            }
        }
    }


    /**
     * The linuxkit verbs' Java path once, on tiny inputs in {@code dir}, for the AOT cache's training
     * run: pkg build, YAML parsing, the bundle conversion, the cpio/gzip and tar writers.
     */
    static void train(Path dir, java.io.PrintWriter out) throws Exception {
        Path pkg = java.nio.file.Files.createDirectories(dir.resolve("pkg/rootfs/bin"));
        java.nio.file.Files.writeString(pkg.resolve("tool"), "#!/bin/sh\n");
        java.nio.file.Files.writeString(dir.resolve("pkg/kernel"), "not a kernel");
        try (var t = java.nio.file.Files.newOutputStream(dir.resolve("pkg/kernel.tar"))) {
            var w = new dockyard.oci.tar.TarWriter(t);
            w.add(dockyard.oci.tar.TarEntry.file("lib/modules/x", 1, 0644), new java.io.ByteArrayInputStream(new byte[] {1}));
            w.finish();
        }
        java.nio.file.Files.writeString(dir.resolve("pkg/build.yml"),
            "image: training\norg: dockyard\nfiles:\n  - source: kernel\n  - source: kernel.tar\ncmd: [\"/bin/tool\"]\nconfig:\n  capabilities: [CAP_CHOWN]\n");
        Path cache = dir.resolve("cache");
        OciLayout layout = OciLayout.openOrCreate(cache.resolve("layout"));
        PackageBuilder.Result image = new PackageBuilder(s -> {}).build(dir.resolve("pkg"), layout, null, null);
        String ref = image.reference();
        Path yml = dir.resolve("t.yml");
        java.nio.file.Files.writeString(yml, trainingYaml(ref));
        var written = LinuxKit.build(List.of(yml), LinuxKit.BuildOptions.defaults(dir.resolve("out")).withCache(cache)
            .withFormats(List.of("kernel+initrd", "tar")));
        out.println(written.size());
        // and a cold build that pulls it from a registry on loopback: the HTTP client, the verified
        // downloads and the gzip'd layers' unpacking are most of a cold build's Java work
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                dockyard.oci.Descriptor manifest = image.image().descriptor();
                byte[] body = new byte[0];
                int status = 200;
                if (path.contains("/manifests/")) {
                    body = layout.store().read(manifest, OciLayout.MAX_MANIFEST_BYTES);
                    exchange.getResponseHeaders().set("Content-Type", manifest.mediaType());
                    exchange.getResponseHeaders().set("Docker-Content-Digest", manifest.digest().toString());
                } else if (path.contains("/blobs/")) {
                    var digest = dockyard.oci.Digest.parse(path.substring(path.lastIndexOf('/') + 1));
                    if (layout.store().exists(digest)) body = java.nio.file.Files.readAllBytes(layout.store().path(digest));
                    else status = 404;
                }
                boolean head = exchange.getRequestMethod().equals("HEAD");
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
                exchange.sendResponseHeaders(status, head ? -1 : body.length);
                if (!head) exchange.getResponseBody().write(body);
            }
        });
        server.start();
        try {
            String host = "127.0.0.1:" + server.getAddress().getPort();
            String pulled = host + "/dockyard/training:" + ref.substring(ref.lastIndexOf(':') + 1);
            Path remote = dir.resolve("remote.yml");
            java.nio.file.Files.writeString(remote, trainingYaml(pulled));
            written = LinuxKit.build(List.of(remote), LinuxKit.BuildOptions.defaults(dir.resolve("out-remote")).withCache(dir.resolve("cache-remote"))
                .withRegistry(RegistryClient.Options.defaults().withInsecure(host)));
            out.println(written.size());
        } finally {
            server.stop(0);
        }
    }

    private static String trainingYaml(String ref) {
        return "kernel:\n  image: " + ref + "\n  cmdline: console=ttyS0\ninit: [" + ref + "]\n"
            + "onboot:\n  - name: a\n    image: " + ref + "\n    binds: [/a:/b]\nservices:\n  - name: b\n    image: " + ref
            + "\n    readonly: true\nfiles:\n  - path: etc/x\n    contents: y\n";
    }
}
