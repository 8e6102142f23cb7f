package dockyard.linuxkit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MobyTest {
  private static final String FULL = """
      kernel:
        image: linuxkit/kernel:6.6.13
        cmdline: "console=ttyS0 console=tty0"
      init:
        - linuxkit/init:v1.0.0
        - linuxkit/runc:v1.0.0
      onboot:
        - name: sysctl
          image: linuxkit/sysctl:v1.0.0
        - name: dhcpcd
          image: linuxkit/dhcpcd:v1.0.0
          command: ["/sbin/dhcpcd", "--nobackground", "-f", "/dhcpcd.conf", "-1"]
      onshutdown:
        - name: shutdown
          image: busybox:latest
      services:
        - name: getty
          image: linuxkit/getty:v1.0.0
          env:
            - INSECURE=true
          readonly: true
          uid: 100
          gid: dhcpcd
          capabilities:
            - CAP_SYS_ADMIN
          sysctl:
            net.ipv4.ip_forward: "1"
      files:
        - path: etc/linuxkit-config
          metadata: yaml
        - path: etc/motd
          contents: "hello"
          mode: "0600"
          uid: 100
        - path: var/empty
          directory: true
        - path: etc/link
          symlink: /etc/motd
          optional: true
      """;

  private static Moby parse(String text) throws ConfigException {
    return Moby.parse("t.yml", text, w -> {});
  }

  private static ConfigException fails(String text) {
    return assertThrows(ConfigException.class, () -> parse(text));
  }

  @Test
  void parsesFullFile() throws Exception {
    List<String> warnings = new ArrayList<>();
    Moby m = Moby.parse("t.yml", FULL, warnings::add);
    assertTrue(warnings.isEmpty(), warnings.toString());
    assertEquals("linuxkit/kernel:6.6.13", m.kernel().image());
    assertEquals("console=ttyS0 console=tty0", m.kernel().cmdline());
    assertEquals("kernel", m.kernel().binary());
    assertEquals("kernel.tar", m.kernel().tar());
    assertNull(m.kernel().ucode());
    assertEquals(List.of("linuxkit/init:v1.0.0", "linuxkit/runc:v1.0.0"), m.init());

    assertEquals(2, m.onboot().size());
    Moby.ImageEntry dhcpcd = m.onboot().get(1);
    assertEquals("onboot", dhcpcd.section());
    assertEquals(1, dhcpcd.index());
    assertEquals("dhcpcd", dhcpcd.name());
    assertEquals("linuxkit/dhcpcd:v1.0.0", dhcpcd.image());
    assertEquals("onboot[1]", dhcpcd.path());
    assertEquals("/sbin/dhcpcd", dhcpcd.settings().get("command").get(0).asText());
    assertEquals(5, dhcpcd.settings().get("command").size());
    assertFalse(dhcpcd.settings().has("name"), "name is not a setting");
    assertFalse(dhcpcd.settings().has("image"), "image is not a setting");

    assertEquals("shutdown", m.onshutdown().get(0).name());

    Moby.ImageEntry getty = m.services().get(0);
    assertEquals("getty", getty.name());
    assertTrue(getty.settings().get("readonly").isBoolean());
    assertTrue(getty.settings().get("readonly").asBoolean());
    assertEquals("INSECURE=true", getty.settings().get("env").get(0).asText());
    assertEquals(100, getty.settings().get("uid").asInt());
    assertTrue(getty.settings().get("uid").isNumber());
    assertEquals("dhcpcd", getty.settings().get("gid").asText());
    assertTrue(getty.settings().get("gid").isTextual());
    assertEquals("1", getty.settings().get("sysctl").get("net.ipv4.ip_forward").asText());
    assertTrue(getty.where("readonly").startsWith("t.yml:21: services[0].readonly"), getty.where("readonly"));

    assertEquals(4, m.files().size());
    Moby.FileEntry meta = m.files().get(0);
    assertEquals("etc/linuxkit-config", meta.path());
    assertEquals("yaml", meta.metadata());
    Moby.FileEntry motd = m.files().get(1);
    assertEquals("hello", motd.contents());
    assertEquals("0600", motd.mode());
    assertEquals(100, motd.uid().asInt());
    assertNull(motd.gid());
    assertFalse(motd.directory());
    assertTrue(m.files().get(2).directory());
    assertEquals("/etc/motd", m.files().get(3).symlink());
    assertTrue(m.files().get(3).optional());
    assertTrue(motd.where().startsWith("t.yml:"), motd.where());
  }

  @Test
  void kernelBinaryTarAndNone() throws Exception {
    Moby m = parse("""
        kernel:
          image: k
          binary: bzImage
          tar: none
          ucode: intel-ucode.cpio
        """);
    assertEquals("bzImage", m.kernel().binary());
    assertNull(m.kernel().tar());
    assertEquals("intel-ucode.cpio", m.kernel().ucode());
    assertEquals("", m.kernel().cmdline());

    Moby custom = parse("kernel:\n  image: k\n  tar: modules.tar\n");
    assertEquals("modules.tar", custom.kernel().tar());
  }

  @Test
  void noKernelIsNone() throws Exception {
    Moby m = parse("init:\n  - a\n");
    assertEquals(Moby.Kernel.NONE, m.kernel());
    assertNull(m.kernel().image());
    assertTrue(m.onboot().isEmpty());
    assertTrue(m.files().isEmpty());
  }

  @Test
  void emptyDocumentIsEmpty() throws Exception {
    Moby m = parse("");
    assertNull(m.kernel().image());
    assertTrue(m.init().isEmpty());
  }

  @Test
  void unknownTopLevelKey() {
    ConfigException e = fails("kernel:\n  image: k\nservice:\n  - name: a\n    image: b\n");
    assertTrue(e.getMessage().startsWith("t.yml:3: "), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key \"service\""), e.getMessage());
    assertTrue(e.getMessage().contains("allowed: kernel, init, onboot"), e.getMessage());
  }

  @Test
  void unknownKeyInService() {
    ConfigException e = fails("""
        services:
          - name: a
            image: b
          - name: c
            imag: d
        """);
    assertTrue(e.getMessage().contains("t.yml:5: services[1]: unknown key \"imag\""), e.getMessage());
    // the missing image is reported in the same pass
    assertTrue(e.getMessage().contains("services[1]: missing required key \"image\""), e.getMessage());
  }

  @Test
  void stringWhereBoolExpected() {
    ConfigException e = fails("""
        services:
          - name: a
            image: b
            readonly: "yes"
        """);
    assertTrue(e.getMessage().startsWith("t.yml:4: services[0].readonly: expected true or false"), e.getMessage());
    assertTrue(e.getMessage().contains("a string"), e.getMessage());
  }

  @Test
  void intWhereStringExpected() {
    ConfigException e = fails("""
        files:
          - path: etc/x
            contents: y
            mode: 0644
        """);
    assertTrue(e.getMessage().startsWith("t.yml:4: files[0].mode: expected a string"), e.getMessage());
    assertTrue(e.getMessage().contains("quote it"), e.getMessage());
  }

  @Test
  void listWhereMapExpected() {
    ConfigException e = fails("kernel:\n  - image\n");
    assertTrue(e.getMessage().startsWith("t.yml:2: kernel: expected a map (kernel), got a list"), e.getMessage());
  }

  @Test
  void severalErrorsAtOnce() {
    ConfigException e = fails("foo: 1\nbar: 2\n");
    String[] lines = e.getMessage().split("\n");
    assertEquals(2, lines.length, e.getMessage());
    assertTrue(lines[0].startsWith("t.yml:1: "));
    assertTrue(lines[1].startsWith("t.yml:2: "));
  }

  @Test
  void duplicateYamlKey() {
    ConfigException e = fails("kernel:\n  image: a\n  image: b\n");
    assertEquals("t.yml:3: kernel: duplicate key \"image\"", e.getMessage());
    ConfigException top = fails("init: [a]\ninit: [b]\n");
    assertEquals("t.yml:2: duplicate key \"init\"", top.getMessage());
    ConfigException inMap = fails("services:\n  - name: a\n    image: b\n    sysctl:\n      x: \"1\"\n      x: \"2\"\n");
    assertEquals("t.yml:6: services[0].sysctl: duplicate key \"x\"", inMap.getMessage());
  }

  @Test
  void missingImage() {
    ConfigException e = fails("onboot:\n  - name: a\n");
    assertEquals("t.yml:2: onboot[0]: missing required key \"image\"", e.getMessage());
  }

  @Test
  void duplicateServiceName() {
    ConfigException e = fails("""
        services:
          - name: a
            image: x
          - name: a
            image: y
        """);
    assertTrue(e.getMessage().startsWith("t.yml:4: services[1].name: duplicate name \"a\""), e.getMessage());
    assertTrue(e.getMessage().contains("also services[0]"), e.getMessage());
  }

  @Test
  void sameNameInDifferentSectionsIsAllowed() throws Exception {
    Moby m = parse("onboot:\n  - name: a\n    image: x\nservices:\n  - name: a\n    image: y\n");
    assertEquals("a", m.onboot().get(0).name());
    assertEquals("a", m.services().get(0).name());
  }

  @Test
  void badContainerName() {
    ConfigException e = fails("onboot:\n  - name: ../evil\n    image: x\n");
    assertTrue(e.getMessage().startsWith("t.yml:2: onboot[0].name: name \"../evil\""), e.getMessage());
    ConfigException e2 = fails("onboot:\n  - name: \"\"\n    image: x\n");
    assertTrue(e2.getMessage().contains("name \"\""), e2.getMessage());
  }

  @Test
  void emptyImageRefused() {
    ConfigException e = fails("onboot:\n  - name: a\n    image: \"\"\n");
    assertTrue(e.getMessage().startsWith("t.yml:3: onboot[0].image: image must not be empty"), e.getMessage());
  }

  @Test
  void volumesRefused() {
    ConfigException e = fails("volumes:\n  - name: v\n    image: x\n");
    assertTrue(e.getMessage().startsWith("t.yml:2: volumes"), e.getMessage());
    assertTrue(e.getMessage().contains("not supported"), e.getMessage());
  }

  @Test
  void trustWarns() throws Exception {
    List<String> warnings = new ArrayList<>();
    Moby m = Moby.parse("t.yml", "kernel:\n  image: k\ntrust:\n  org:\n    - linuxkit\n", warnings::add);
    assertEquals("k", m.kernel().image());
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).startsWith("t.yml:4: trust"), warnings.get(0));
    assertTrue(warnings.get(0).contains("ignored"), warnings.get(0));
  }

  @Test
  void invalidYamlSyntax() {
    ConfigException e = fails("kernel:\n  image: k\n  cmdline: [unclosed\ninit:\n");
    assertTrue(e.getMessage().matches("(?s)t\\.yml:[1-9][0-9]*: invalid YAML: .*"), e.getMessage());
    ConfigException tab = fails("kernel:\n\timage: k\n");
    assertTrue(tab.getMessage().startsWith("t.yml:2: invalid YAML"), tab.getMessage());
  }

  @Test
  void appendTwoFiles() throws Exception {
    Moby a = parse("""
        kernel:
          image: k1
          cmdline: one
        init: [i1]
        onboot:
          - name: a
            image: x
        services:
          - name: s1
            image: y
        files:
          - path: f1
            contents: "1"
        """);
    Moby b = Moby.parse("b.yml", """
        kernel:
          image: k2
          cmdline: two
        init: [i2]
        services:
          - name: s2
            image: z
        files:
          - path: f2
            contents: "2"
        """, w -> {});
    Moby m = a.append(b);
    assertEquals("k2", m.kernel().image());
    assertEquals("two", m.kernel().cmdline());
    assertEquals(List.of("i1", "i2"), m.init());
    assertEquals(List.of("s1", "s2"), m.services().stream().map(Moby.ImageEntry::name).toList());
    assertEquals(0, m.services().get(1).index(), "entries keep their index within their file");
    assertTrue(m.services().get(1).where("image").startsWith("b.yml:"), m.services().get(1).where("image"));
    assertEquals(List.of("f1", "f2"), m.files().stream().map(Moby.FileEntry::path).toList());
    assertEquals(2, m.sources().size());

    // a file without a kernel keeps the earlier one
    Moby c = a.append(parse("init: [i3]\n"));
    assertEquals("k1", c.kernel().image());
    assertEquals("one", c.kernel().cmdline());

    // a later kernel section changes only the keys it sets, as LinuxKit's AppendConfig does
    Moby d = a.append(parse("kernel:\n  cmdline: three\n  tar: none\n"));
    assertEquals("k1", d.kernel().image());
    assertEquals("three", d.kernel().cmdline());
    assertNull(d.kernel().tar());
    assertEquals("kernel", d.kernel().binary());
  }

  @Test
  void readChecksNamesAcrossFiles(@TempDir Path dir) throws IOException {
    Path a = Files.writeString(dir.resolve("a.yml"), "services:\n  - name: s\n    image: x\n");
    Path b = Files.writeString(dir.resolve("b.yml"), "services:\n  - name: s\n    image: y\n");
    Moby one = Moby.read(List.of(a), w -> {});
    assertEquals(1, one.services().size());
    ConfigException e = assertThrows(ConfigException.class, () -> Moby.read(List.of(a, b), w -> {}));
    assertTrue(e.getMessage().contains("duplicate name \"s\""), e.getMessage());
    assertTrue(e.getMessage().startsWith(b.toString() + ":2: "), e.getMessage());
    ConfigException missing = assertThrows(ConfigException.class, () -> Moby.read(List.of(dir.resolve("nope.yml")), w -> {}));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
  }

  @Test
  void idMap() throws Exception {
    Moby m = parse("""
        onboot:
          - name: a
            image: x
          - name: b
            image: x
        onshutdown:
          - name: c
            image: x
        services:
          - name: d
            image: x
          - name: e
            image: x
        """);
    assertEquals(Map.of("a", 100L, "b", 101L, "c", 102L, "d", 103L, "e", 104L), m.idMap());
  }

  @Test
  void idMapSharedNameTakesLaterIdLikeLinuxKit() throws Exception {
    // LinuxKit's build.go assigns idMap[name] = id in a loop, so the later entry's id wins
    Moby m = parse("onboot:\n  - name: a\n    image: x\nservices:\n  - name: b\n    image: x\n  - name: a\n    image: y\n");
    assertEquals(Map.of("a", 102L, "b", 101L), m.idMap());
  }
}
