package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.OciLayout;
import dockyard.oci.registry.Reference;
import dockyard.oci.registry.RegistryClient;
import dockyard.oci.testing.LocalRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images served by a local registry (Debian's docker-registry) over plain http with --insecure-registry. */
class RegistryBuildTest {
  @TempDir Path tmp;

  @Test
  void buildPullsFromALocalRegistryThenUsesTheCache() throws Exception {
    TestImages t = TestImages.get();
    try (LocalRegistry registry = LocalRegistry.start(tmp.resolve("registry"), null)) {
      RegistryClient.Options insecure = RegistryClient.Options.defaults().withInsecure(registry.host());
      RegistryClient client = new RegistryClient(insecure);
      OciLayout local = OciLayout.open(t.cache.resolve("layout"));
      List<String> refs = new ArrayList<>();
      for (String ref : List.of(t.kernel, t.init, t.crun, t.busybox)) {
        Reference from = Reference.parse(ref);
        Reference to = Reference.parse(registry.host() + "/" + from.repository() + ":" + from.tag());
        client.push(to, local.store(), local.resolve(ref));
        refs.add(to.toString());
      }
      String yaml = t.yaml("console=ttyS0");
      String[] names = {t.kernel, t.init, t.crun, t.busybox};
      for (int i = 0; i < names.length; i++) yaml = yaml.replace(names[i], refs.get(i));
      Path yml = t.writeYaml(tmp, "reg.yml", yaml);
      Path cache = tmp.resolve("cache");
      List<String> log = new ArrayList<>();
      LinuxKit.BuildOptions o = t.options(tmp.resolve("out")).withCache(cache).withRegistry(insecure).withLog(log::add);
      LinuxKit.build(List.of(yml), o);
      assertEquals(4, log.stream().filter(l -> l.startsWith("Pulling ")).count(), log.toString());

      // the same build from the local cache gives the same bytes as one from the test layout
      LinuxKit.build(List.of(t.writeYaml(tmp, "reg2.yml", yaml)), o.withLog(log::add));
      assertEquals(4, log.stream().filter(l -> l.startsWith("Pulling ")).count(), "cached images are not pulled again");
      Path direct = t.writeYaml(tmp, "direct.yml", t.yaml("console=ttyS0"));
      LinuxKit.build(List.of(direct), t.options(tmp.resolve("direct")));
      assertArrayEquals(Files.readAllBytes(tmp.resolve("direct/direct-initrd.img")), Files.readAllBytes(tmp.resolve("out/reg-initrd.img")));

      // --pull asks the registry again for tags
      LinuxKit.build(List.of(yml), o.withPull(true).withLog(log::add));
      assertTrue(log.stream().filter(l -> l.startsWith("Pulling ")).count() == 8, log.toString());

      // a registry answering with other bytes for a layer (unpacked as it downloads): the build
      // fails naming the digest, and the fresh cache has neither that image's root nor its blob or tag
      Descriptor layer = local.readImage(local.resolve(t.busybox), dockyard.oci.PlatformSelector.of("linux/amd64")).manifest().layers().getFirst();
      Path stored = tmp.resolve("registry/data/docker/registry/v2/blobs/sha256").resolve(layer.digest().hex().substring(0, 2))
          .resolve(layer.digest().hex()).resolve("data");
      byte[] bytes = Files.readAllBytes(stored);
      bytes[bytes.length / 2] ^= 0x55;
      Files.write(stored, bytes);
      Path fresh = tmp.resolve("fresh-cache");
      Exception e = assertThrows(dockyard.oci.OciException.class, () -> LinuxKit.build(List.of(yml), o.withCache(fresh)));
      assertTrue(e.getMessage().contains("digest mismatch") && e.getMessage().contains(layer.digest().toString()), e.getMessage());
      assertFalse(ContentStore.at(fresh.resolve("layout")).exists(layer.digest()));
      assertFalse(OciLayout.open(fresh.resolve("layout")).tags().contains(refs.get(3)), "no tag for the image that failed");
      try (var roots = Files.list(fresh.resolve("rootfs"))) {
        assertEquals(3, roots.filter(p -> !p.getFileName().toString().contains(".")).count(), "the other three images only");
      }
    }
  }
}
