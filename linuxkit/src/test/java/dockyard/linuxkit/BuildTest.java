package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.linuxkit.config.ConfigException;
import dockyard.oci.fs.SafeFiles;
import dockyard.oci.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds of the test YAML: the layout LinuxKit's init expects, every format, reproducibility, image sources. */
class BuildTest {
  @TempDir Path tmp;

  static byte[] gunzip(Path f) throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
      return in.readAllBytes();
    }
  }

  /** GNU cpio's view of an initrd: the names, in order. */
  static List<String> cpioNames(Path initrd, Path work) throws Exception {
    Path raw = work.resolve("initrd.cpio");
    Files.write(raw, gunzip(initrd));
    return TestImages.run(null, "bash", "-c", "cpio -it --quiet < " + raw);
  }

  @Test
  void kernelInitrdHasKernelCmdlineAndLinuxKitBundleLayout() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "system.yml", t.yaml("console=ttyS0 panic=-1"));
    List<Path> out = LinuxKit.build(List.of(yml), t.options(tmp.resolve("out")));
    Path dir = tmp.resolve("out");
    assertEquals(List.of(dir.resolve("system-kernel"), dir.resolve("system-initrd.img"), dir.resolve("system-cmdline")), out);
    assertArrayEquals(Files.readAllBytes(t.debianKernel.resolve("boot/vmlinuz-" + t.kernelVersion)), Files.readAllBytes(dir.resolve("system-kernel")));
    assertEquals("console=ttyS0 panic=-1", Files.readString(dir.resolve("system-cmdline")));

    List<String> names = cpioNames(dir.resolve("system-initrd.img"), tmp);
    for (String want : List.of("init", "bin/busybox", "usr/bin/crun", "lib/x86_64-linux-gnu/libc.so.6",
        "lib/modules/" + t.kernelVersion + "/kernel/fs/overlayfs/overlay.ko", "etc/dockyard-message",
        "containers/onboot/000-hello/config.json", "containers/onboot/000-hello/runtime.json",
        "containers/onboot/000-hello/lower/bin/busybox", "containers/onboot/000-hello/tmp", "containers/onboot/000-hello/rootfs",
        "containers/services/web/config.json", "containers/services/web/runtime.json", "containers/services/web/rootfs",
        "containers/onshutdown/000-bye/config.json", "containers/onshutdown/000-bye/rootfs",
        "containers/onboot/000-hello/lower/etc/hosts", "containers/onboot/000-hello/lower/etc/mtab", "boot")) {
      assertTrue(names.contains(want), want + " missing from the initrd: " + names);
    }
    assertFalse(names.stream().anyMatch(n -> n.startsWith("boot/")), "boot/* stays out of the initrd");
    assertFalse(names.contains("containers/services/web/rootfs/bin/busybox"), "the second use of an image is bound from the first copy");
    assertEquals(names.stream().sorted(BuildTest::utf8).toList(), names, "entries are sorted");

    // the bundles, checked after GNU cpio unpacks them
    Path root = Files.createDirectories(tmp.resolve("root"));
    TestImages.run(root, "bash", "-c", "cpio -idm --quiet --no-absolute-filenames < " + tmp.resolve("initrd.cpio"));
    ObjectMapper json = new ObjectMapper();
    JsonNode hello = json.readTree(root.resolve("containers/onboot/000-hello/config.json").toFile());
    assertEquals(List.of("/bin/sh", "-c", "echo ONBOOT-STEP-RAN $(cat /message); touch /written"), strings(hello.at("/process/args")));
    assertEquals(List.of("PATH=/bin"), strings(hello.at("/process/env")), "env comes from the image config");
    assertEquals("CAP_CHOWN", hello.at("/process/capabilities/effective/0").asText(), "from the image's org.mobyproject.config label");
    assertEquals("/etc/dockyard-message", findMount(hello, "/message").path("source").asText());
    assertEquals(List.of("ro", "rbind"), strings(findMount(hello, "/message").path("options")));
    JsonNode helloRuntime = json.readTree(root.resolve("containers/onboot/000-hello/runtime.json").toFile());
    assertEquals("overlay", helloRuntime.at("/mounts/2/type").asText());
    assertEquals(List.of("lowerdir=/containers/onboot/000-hello/lower", "upperdir=/containers/onboot/000-hello/tmp/upper",
        "workdir=/containers/onboot/000-hello/tmp/work"), strings(helloRuntime.at("/mounts/2/options")));
    JsonNode web = json.readTree(root.resolve("containers/services/web/config.json").toFile());
    assertTrue(web.at("/root/readonly").asBoolean());
    JsonNode webRuntime = json.readTree(root.resolve("containers/services/web/runtime.json").toFile());
    assertEquals("/containers/onboot/000-hello/lower", webRuntime.at("/mounts/0/source").asText());
    assertEquals("/containers/services/web/rootfs", webRuntime.at("/mounts/0/destination").asText());
    assertEquals("hello from files", Files.readString(root.resolve("etc/dockyard-message")));
    assertTrue(Files.isExecutable(root.resolve("usr/bin/crun")));
  }

  static JsonNode findMount(JsonNode config, String dest) {
    for (JsonNode m : config.path("mounts")) if (m.path("destination").asText().equals(dest)) return m;
    throw new AssertionError("no mount at " + dest + " in " + config.path("mounts"));
  }

  static List<String> strings(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return out;
  }

  static int utf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8), b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void sameInputsGiveByteIdenticalOutputsEvenWhenUnpackedAgain() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "r.yml", t.yaml("console=ttyS0"));
    List<String> formats = List.of("kernel+initrd", "tar", "tar-kernel-initrd");
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("a")).withFormats(formats));
    SafeFiles.deleteTree(t.cache.resolve("rootfs")); // every image unpacked afresh for the second build
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("b")).withFormats(formats));
    for (String f : List.of("r-kernel", "r-initrd.img", "r-cmdline", "r.tar", "r-initrd.tar")) {
      assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)), Files.readAllBytes(tmp.resolve("b").resolve(f)), f + " differs");
    }
  }

  @Test
  void tarHoldsTheWholeRootWithEpochTimes() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "t.yml", t.yaml("console=ttyS0"));
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("out")).withFormats(List.of("tar")));
    String tar = Tools.require("tar", "tar");
    List<String> listing = TestImages.run(null, tar, "--numeric-owner", "--full-time", "-tvf", tmp.resolve("out/t.tar").toString());
    assertTrue(listing.stream().anyMatch(l -> l.endsWith(" boot/kernel")), "boot/kernel in the tar");
    assertTrue(listing.stream().anyMatch(l -> l.endsWith(" boot/cmdline")));
    assertTrue(listing.stream().anyMatch(l -> l.endsWith(" containers/services/web/config.json")));
    assertTrue(listing.stream().allMatch(l -> l.contains("1970-01-01 00:00:00")), "every time is the epoch");
  }

  @Test
  void imagesFromOciLayoutsAndDockerArchivesAreUsedDirectly() throws Exception {
    TestImages t = TestImages.get();
    String skopeo = Tools.require("skopeo", "skopeo");
    Path layout = t.cache.resolve("layout");
    Path archive = tmp.resolve("busybox.tar");
    Tools.ok(skopeo, "copy", "--quiet", "oci:" + layout + ":" + t.busybox, "docker-archive:" + archive + ":example/busybox:1");
    Path ociCopy = tmp.resolve("oci-copy");
    Tools.ok(skopeo, "copy", "--quiet", "oci:" + layout + ":" + t.busybox, "oci:" + ociCopy + ":v1");
    String yaml = """
        onboot:
          - name: from-layout
            image: oci:%s:v1
          - name: from-archive
            image: docker-archive:%s
        """.formatted(ociCopy, archive);
    Path yml = t.writeYaml(tmp, "src.yml", yaml);
    Path cache = tmp.resolve("fresh-cache");
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("out")).withCache(cache).withFormats(List.of("tar")));
    List<String> listing = TestImages.run(null, "tar", "-tf", tmp.resolve("out/src.tar").toString());
    assertTrue(listing.contains("containers/onboot/000-from-layout/lower/bin/busybox"), listing.toString());
    assertTrue(listing.contains("containers/onboot/001-from-archive/lower/bin/busybox"), listing.toString());
  }

  @Test
  void badYamlNamesTheLineAndWritesNothing() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "bad.yml", t.yaml("console=ttyS0").replaceFirst("    readonly: true", "    readonly: true\n    capabilites: [CAP_NET_ADMIN]"));
    Path out = tmp.resolve("out");
    ConfigException e = assertThrows(ConfigException.class, () -> LinuxKit.build(List.of(yml), t.options(out)));
    assertTrue(e.getMessage().contains("bad.yml:17: services[0]: unknown key \"capabilites\""), e.getMessage());
    assertFalse(Files.exists(out), "nothing written");

    Path unknownCap = t.writeYaml(tmp, "cap.yml", t.yaml("x").replaceFirst("    readonly: true", "    readonly: true\n    capabilities: [CAP_NET_ADMN]"));
    ConfigException c = assertThrows(ConfigException.class, () -> LinuxKit.build(List.of(unknownCap), t.options(out)));
    assertTrue(c.getMessage().contains("cap.yml:17: services[0].capabilities: unknown capability: CAP_NET_ADMN"), c.getMessage());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void missingImageNamesTheYamlLine() throws Exception {
    TestImages t = TestImages.get();
    Path yml = t.writeYaml(tmp, "m.yml", "onboot:\n  - name: x\n    image: oci:" + tmp.resolve("nope") + "\n");
    Exception e = assertThrows(java.io.IOException.class, () -> LinuxKit.build(List.of(yml), t.options(tmp.resolve("o")).withFormats(List.of("tar"))));
    assertTrue(e.getMessage().startsWith(yml + ":3: onboot[0].image: image oci:" + tmp.resolve("nope") + ": ") && e.getMessage().endsWith("oci-layout: missing"), e.getMessage());
  }

  @Test
  void filesEntriesFollowLinuxKitRules() throws Exception {
    TestImages t = TestImages.get();
    Path src = tmp.resolve("src.txt");
    Files.writeString(src, "from a file");
    String yaml = """
        services:
          - name: svc
            image: %s
        files:
          - path: /etc/app/conf
            contents: "x=1"
            mode: "0640"
            uid: svc
          - path: etc/link
            symlink: app/conf
          - path: var/data
            directory: true
          - path: etc/copied
            source: %s
          - path: etc/missing
            source: %s
            optional: true
          - path: etc/meta.json
            metadata: json
        """.formatted(t.busybox, src, tmp.resolve("does-not-exist"));
    Path yml = t.writeYaml(tmp, "f.yml", yaml);
    LinuxKit.build(List.of(yml), t.options(tmp.resolve("out")).withFormats(List.of("tar")));
    List<String> listing = TestImages.run(null, "tar", "--numeric-owner", "-tvf", tmp.resolve("out/f.tar").toString());
    assertTrue(listing.stream().anyMatch(l -> l.startsWith("-rw-r----- 100/0") && l.endsWith(" etc/app/conf")), listing.toString());
    assertTrue(listing.stream().anyMatch(l -> l.startsWith("drwxr-x--- 100/0") && l.endsWith(" etc/app/")), "parent dir gets the file's owner and x bits: " + listing);
    assertTrue(listing.stream().anyMatch(l -> l.endsWith(" etc/link -> app/conf")));
    assertTrue(listing.stream().anyMatch(l -> l.startsWith("drwx------") && l.endsWith(" var/data/")));
    assertTrue(listing.stream().anyMatch(l -> l.startsWith("-rw-------") && l.endsWith(" etc/copied")));
    assertFalse(listing.stream().anyMatch(l -> l.endsWith(" etc/missing")));
    Path x = Files.createDirectories(tmp.resolve("x"));
    TestImages.run(x, "tar", "-xf", tmp.resolve("out/f.tar").toString(), "etc/meta.json", "etc/copied");
    assertEquals("from a file", Files.readString(x.resolve("etc/copied")));
    JsonNode meta = new ObjectMapper().readTree(x.resolve("etc/meta.json").toFile());
    assertEquals("svc", meta.at("/services/0/name").asText());
  }
}
