package dockyard.linuxkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    }
  }
}
