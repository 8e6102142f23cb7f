package dockyard.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dockyard.oci.Digest;
import org.junit.jupiter.api.Test;

class ReferenceTest {
  static final String D = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void dockerHubDefaults() {
    Reference r = Reference.parse("busybox");
    assertEquals("docker.io", r.registry());
    assertEquals("library/busybox", r.repository());
    assertEquals("latest", r.tag());
    assertEquals("registry-1.docker.io", r.apiHost());
    assertEquals("docker.io/library/busybox:latest", r.toString());
    assertEquals("library/alpine", Reference.parse("docker.io/alpine:3.19").repository());
    assertEquals("user/app", Reference.parse("user/app:1").repository());
    assertEquals("docker.io", Reference.parse("index.docker.io/user/app").registry());
  }

  @Test
  void hostsPortsTagsDigests() {
    Reference r = Reference.parse("localhost:5000/team/app:v1.2");
    assertEquals("localhost:5000", r.registry());
    assertEquals("team/app", r.repository());
    assertEquals("v1.2", r.tag());
    assertNull(r.digest());
    assertEquals("v1.2", r.manifestReference());

    Reference d = Reference.parse("ghcr.io/o/app@" + D);
    assertEquals("ghcr.io", d.registry());
    assertNull(d.tag());
    assertEquals(Digest.parse(D), d.digest());
    assertEquals(D, d.manifestReference());

    Reference both = Reference.parse("127.0.0.1:5000/app:1@" + D);
    assertEquals("1", both.tag());
    assertEquals(D, both.manifestReference());
    assertEquals("localhost", Reference.parse("localhost/app").registry());
  }

  @Test
  void clearErrors() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("Busybox")).getMessage()
        .contains("invalid repository name component \"Busybox\""));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("app:-bad")).getMessage().contains("invalid tag \"-bad\""));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("app@sha256:abc")).getMessage().contains("invalid digest"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("localhost:5000/")).getMessage().contains("no repository"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("a//b")).getMessage().contains("component \"\""));
    assertThrows(IllegalArgumentException.class, () -> Reference.parse(""));
  }

  @Test
  void challengeParsing() {
    var c = RegistryClient.Challenge.parse("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull\"");
    assertEquals("bearer", c.scheme());
    assertEquals("https://auth.example/token", c.params().get("realm"));
    assertEquals("registry.example", c.params().get("service"));
    assertEquals("repository:a/b:pull", c.params().get("scope"));
    var b = RegistryClient.Challenge.parse("Basic realm=\"Registry Realm\"");
    assertEquals("basic", b.scheme());
    assertEquals("Registry Realm", b.params().get("realm"));
  }

  @Test
  void registryErrorBodyInMessage() {
    RegistryException e = RegistryClient.error("GET", java.net.URI.create("http://r/v2/x/manifests/y"), 404,
        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}".getBytes());
    assertEquals("GET http://r/v2/x/manifests/y: 404 Not Found: MANIFEST_UNKNOWN (manifest unknown)", e.getMessage());
    assertTrue(e.hasCode("MANIFEST_UNKNOWN"));
    assertEquals(404, e.status());
  }

  @Test
  void manifestVerification() throws Exception {
    byte[] bytes = "{\"schemaVersion\":2}".getBytes();
    Digest good = Digest.sha256(bytes);
    Digest other = Digest.sha256("other".getBytes());
    assertEquals(good, RegistryClient.verifyManifest(bytes, good, null, "m"));
    assertEquals(good, RegistryClient.verifyManifest(bytes, null, good, "m"));
    assertEquals(good, RegistryClient.verifyManifest(bytes, null, null, "m"));
    var e = assertThrows(dockyard.oci.DigestMismatchException.class, () -> RegistryClient.verifyManifest(bytes, other, null, "m"));
    assertTrue(e.getMessage().contains("expected " + other + ", got " + good), e.getMessage());
    assertThrows(dockyard.oci.DigestMismatchException.class, () -> RegistryClient.verifyManifest(bytes, null, other, "m"));
  }
}
