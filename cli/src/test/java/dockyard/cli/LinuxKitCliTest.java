package dockyard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dockyard linuxkit …} through the real command line: exit codes, output and one-line errors. */
class LinuxKitCliTest {
  @TempDir Path tmp;

  static InProcessCli.Result run(String... args) {
    return InProcessCli.run(args);
  }

  @Test
  void pkgBuildThenBuildATarFromTheLayout() throws Exception {
    Path pkg = Files.createDirectories(tmp.resolve("pkg/rootfs/etc"));
    Files.writeString(pkg.resolve("motd"), "hello\n");
    Files.writeString(tmp.resolve("pkg/build.yml"), "image: motd\norg: example\ncmd: [\"/bin/cat\", \"/etc/motd\"]\n");
    InProcessCli.Result p = run("linuxkit", "pkg", "build", "--output", "oci:" + tmp.resolve("layout") + ":v1", tmp.resolve("pkg").toString());
    assertEquals(0, p.rc(), p.err());
    assertTrue(p.out().strip().startsWith("docker.io/example/motd:"), p.out());

    Path yml = tmp.resolve("os.yml");
    Files.writeString(yml, "onboot:\n  - name: motd\n    image: oci:" + tmp.resolve("layout") + ":v1\n");
    InProcessCli.Result b = run("linuxkit", "build", "-q", "--cache", tmp.resolve("cache").toString(), "-o", tmp.resolve("out").toString(),
        "--format", "tar", yml.toString());
    assertEquals(0, b.rc(), b.err());
    assertTrue(Files.size(tmp.resolve("out/os.tar")) > 0);
  }

  @Test
  void errorsAreOneLineWithTheYamlLine() throws Exception {
    Path yml = tmp.resolve("bad.yml");
    Files.writeString(yml, "kernel:\n  imagee: x\n");
    InProcessCli.Result r = run("linuxkit", "build", "-o", tmp.resolve("out").toString(), yml.toString());
    assertEquals(1, r.rc());
    assertEquals("dockyard: " + yml + ":2: kernel: unknown key \"imagee\" in kernel", r.err().strip());
    assertTrue(!Files.exists(tmp.resolve("out")));

    InProcessCli.Result f = run("linuxkit", "build", "--format", "qcow9", yml.toString());
    assertEquals(1, f.rc());
    assertTrue(f.err().contains("unknown output format \"qcow9\""), f.err());

    InProcessCli.Result q = run("linuxkit", "run", "qemu", tmp.resolve("nothing").toString());
    assertEquals(1, q.rc());
    assertTrue(q.err().contains("nothing-kernel: not found (run `dockyard linuxkit build` first)"), q.err());
    InProcessCli.Result h = run("linuxkit", "run", "hyperkit", tmp.resolve("nothing").toString());
    assertEquals(1, h.rc());
    assertTrue(h.err().contains("nothing-kernel: not found"), h.err());

    InProcessCli.Result k = run("hyperkit", "run", "--kernel", tmp.resolve("missing").toString(), "--vsock", "x");
    assertEquals(1, k.rc());
    assertTrue(k.err().contains("--vsock x: want CID[:UDS]"), k.err());
  }

  @Test
  void theAotTrainingRunBuildsAnImage() throws Exception {
    InProcessCli.Result r = run("aot-training", tmp.toString());
    assertEquals(0, r.rc(), r.err());
    assertTrue(Files.size(tmp.resolve("linuxkit/out/t-initrd.img")) > 0);
    assertTrue(Files.exists(tmp.resolve("linuxkit/out/t.tar")));
    // the cold build through the loopback registry pulled the same image and made the same initrd
    assertArrayEquals(Files.readAllBytes(tmp.resolve("linuxkit/out/t-initrd.img")), Files.readAllBytes(tmp.resolve("linuxkit/out-remote/remote-initrd.img")));
    assertTrue(Files.isDirectory(tmp.resolve("linuxkit/cache-remote/rootfs")));
  }
}
