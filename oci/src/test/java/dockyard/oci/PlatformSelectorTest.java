package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformSelectorTest {
  private static int counter;

  private static Descriptor m(String platform) {
    String hex = String.format("%064x", ++counter);
    Descriptor d = Descriptor.of(MediaTypes.DOCKER_MANIFEST, Digest.parse("sha256:" + hex), 500);
    return platform == null ? d : d.withPlatform(platform.contains("|") ? windows(platform) : Platform.parse(platform));
  }

  private static Platform windows(String spec) {
    String[] p = spec.split("\\|");
    return new Platform("amd64", "windows", p[1], null, null);
  }

  /** Shaped like Docker Hub's busybox list, attestation entries included. */
  private static final List<Descriptor> BUSYBOX = List.of(
      m("linux/amd64"), m("linux/arm/v5"), m("linux/arm/v6"), m("linux/arm/v7"), m("linux/arm64/v8"), m("linux/386"),
      m("linux/ppc64le"), m("linux/riscv64"), m("linux/s390x"), m("unknown/unknown"), m(null));

  private static Descriptor pick(List<Descriptor> list, String wanted) throws OciException {
    return PlatformSelector.of(wanted).select(Index.of(list), "list");
  }

  @Test
  void picksTheExactPlatformAndTheDefaultIsLinuxAmd64() throws OciException {
    Index index = Index.of(BUSYBOX);
    assertEquals(BUSYBOX.get(0), PlatformSelector.defaultSelector().select(index, "list"));
    assertEquals(BUSYBOX.get(3), pick(BUSYBOX, "linux/arm/v7"));
    assertEquals(BUSYBOX.get(3), pick(BUSYBOX, "linux/arm"), "arm means arm/v7");
    assertEquals(BUSYBOX.get(2), pick(BUSYBOX, "linux/arm/v6"));
    assertEquals(BUSYBOX.get(4), pick(BUSYBOX, "linux/arm64"), "arm64 means arm64/v8");
    assertEquals(BUSYBOX.get(4), pick(BUSYBOX, "linux/aarch64"));
    assertEquals(BUSYBOX.get(0), pick(BUSYBOX, "linux/x86_64"));
    assertEquals(BUSYBOX.get(5), pick(BUSYBOX, "linux/i686"));
  }

  @Test
  void armFallsBackToOlderVariantsOnly() throws OciException {
    List<Descriptor> old = List.of(m("linux/arm/v5"), m("linux/arm/v6"));
    assertEquals(old.get(1), pick(old, "linux/arm/v7"), "the closest older variant");
    assertEquals(old.get(0), pick(old, "linux/arm/v5"));
    OciException e = assertThrows(OciException.class, () -> pick(List.of(m("linux/arm/v7")), "linux/arm/v6"));
    assertEquals("list: no manifest for platform linux/arm/v6 (available: linux/arm/v7)", e.getMessage());
  }

  @Test
  void entriesWithoutAPlatformAreNeverPicked() {
    OciException e = assertThrows(OciException.class, () -> pick(List.of(m(null), m("unknown/unknown")), "linux/amd64"));
    assertEquals("list: no manifest for platform linux/amd64 (available: (no platform), unknown/unknown)", e.getMessage());
    assertThrows(OciException.class, () -> pick(List.of(), "linux/amd64"));
  }

  @Test
  void osVersionMattersOnlyWhenAskedFor() throws OciException {
    List<Descriptor> win = List.of(m("w|10.0.17763.1"), m("w|10.0.20348.1"));
    assertEquals(win.get(0), PlatformSelector.of(Platform.of("windows", "amd64", null)).select(Index.of(win), "list"));
    assertEquals(win.get(1), PlatformSelector.of(new Platform("amd64", "windows", "10.0.20348.1", null, null)).select(Index.of(win), "list"));
  }

  @Test
  void theFirstOfEqualMatchesWinsAndEveryPickMatches() throws OciException {
    List<Descriptor> twice = List.of(m("linux/amd64"), m("linux/amd64"));
    assertEquals(twice.get(0), pick(twice, "linux/amd64"));
    List<String> wanted = new ArrayList<>(List.of("linux/amd64", "linux/arm/v7", "linux/arm/v6", "linux/arm64", "linux/386", "linux/s390x"));
    for (String w : wanted) {
      Descriptor d = pick(BUSYBOX, w);
      assertTrue(PlatformSelector.of(w).matches(d.platform()), w + " -> " + d.platform());
      assertEquals(Platform.parse(w).normalized().architecture(), d.platform().normalized().architecture());
    }
  }
}
