package dockyard.linuxkit.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.linuxkit.config.ConfigException;
import dockyard.linuxkit.config.Moby;
import dockyard.oci.ImageConfig;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciConfigTest {
  private static final ImageConfig.Config IMAGE = ImageConfig.Config.EMPTY
      .withEntrypoint(List.of("/bin/sh", "-c"))
      .withCmd(List.of("echo hi"))
      .withEnv(List.of("PATH=/usr/bin:/bin"));

  /** The first service of {@code yaml} (a {@code services:} list). */
  private static Moby.ImageEntry entry(String yaml) throws ConfigException {
    return Moby.parse("t.yml", yaml, w -> {}).services().get(0);
  }

  private static Moby.ImageEntry service(String settings) throws ConfigException {
    StringBuilder sb = new StringBuilder("services:\n  - name: svc\n    image: example/svc:1\n");
    for (String line : settings.split("\n")) if (!line.isBlank()) sb.append("    ").append(line).append('\n');
    return entry(sb.toString());
  }

  private static OciConfig.Result convert(String settings, ImageConfig.Config image) throws ConfigException {
    return OciConfig.convert(service(settings), image, Map.of());
  }

  private static ImageConfig.Config labelled(String label) {
    return new ImageConfig.Config(null, null, null, List.of("/bin/daemon"), null, null, null,
        Map.of(OciConfig.LABEL, label), null, null);
  }

  private static List<String> texts(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null) n.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static JsonNode mount(ObjectNode config, String dest) {
    for (JsonNode m : config.get("mounts")) if (m.get("destination").asText().equals(dest)) return m;
    return null;
  }

  @Test
  void defaultsMatchLinuxKit() throws Exception {
    OciConfig.Result r = convert("", IMAGE);
    ObjectNode c = r.config();
    assertEquals("1.0.2", c.get("ociVersion").asText());
    JsonNode p = c.get("process");
    assertEquals(List.of("/bin/sh", "-c", "echo hi"), texts(p.get("args")));
    assertEquals(List.of("PATH=/usr/bin:/bin"), texts(p.get("env")));
    assertEquals("/", p.get("cwd").asText());
    assertEquals(0, p.get("user").get("uid").asLong());
    assertEquals(0, p.get("user").get("gid").asLong());
    assertTrue(p.get("capabilities").isEmpty(), "no capabilities by default: " + p.get("capabilities"));
    assertFalse(p.has("rlimits"));
    assertFalse(p.has("noNewPrivileges"));
    assertEquals("rootfs", c.get("root").get("path").asText());
    assertFalse(c.get("root").has("readonly"));
    assertFalse(r.readonly());
    assertFalse(c.has("hostname"));

    List<String> dests = new ArrayList<>();
    c.get("mounts").forEach(m -> dests.add(m.get("destination").asText()));
    assertEquals(List.of("/dev", "/dev/pts", "/proc", "/sys", "/sys/fs/cgroup"), dests);
    assertEquals(List.of("nosuid", "nodev", "noexec", "relatime"), texts(mount(c, "/proc").get("options")));
    assertEquals("proc", mount(c, "/proc").get("type").asText());
    assertEquals("proc", mount(c, "/proc").get("source").asText());
    assertEquals(List.of("nosuid", "strictatime", "mode=755", "size=65536k"), texts(mount(c, "/dev").get("options")));
    assertEquals("tmpfs", mount(c, "/dev").get("type").asText());
    assertEquals(List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"), texts(mount(c, "/dev/pts").get("options")));
    assertEquals(List.of("nosuid", "noexec", "nodev"), texts(mount(c, "/sys").get("options")));
    assertEquals(List.of("nosuid", "noexec", "nodev", "relatime", "ro"), texts(mount(c, "/sys/fs/cgroup").get("options")));
    assertEquals("cgroup", mount(c, "/sys/fs/cgroup").get("type").asText());

    List<String> ns = new ArrayList<>();
    c.get("linux").get("namespaces").forEach(n -> {
      ns.add(n.get("type").asText());
      assertFalse(n.has("path"));
    });
    assertEquals(List.of("pid", "mount"), ns);
    assertFalse(c.get("linux").has("devices"));
    assertTrue(c.get("linux").get("resources").isEmpty());
  }

  @Test
  void workingDirFromImageAndYamlOverrides() throws Exception {
    OciConfig.Result fromImage = convert("", IMAGE.withWorkingDir("/srv"));
    assertEquals("/srv", fromImage.config().get("process").get("cwd").asText());
    OciConfig.Result fromYaml = convert("cwd: /tmp\ncommand: [/bin/true]\nenv: [A=1]", IMAGE.withWorkingDir("/srv"));
    JsonNode p = fromYaml.config().get("process");
    assertEquals("/tmp", p.get("cwd").asText());
    assertEquals(List.of("/bin/true"), texts(p.get("args")));
    assertEquals(List.of("A=1"), texts(p.get("env")));
  }

  @Test
  void nullImageConfig() throws Exception {
    OciConfig.Result r = convert("", null);
    assertTrue(r.config().get("process").get("args").isEmpty());
    assertFalse(r.config().get("process").has("env"));
    assertEquals("/", r.config().get("process").get("cwd").asText());
  }

  @Test
  void namespaces() throws Exception {
    List<String> ns = new ArrayList<>();
    convert("net: new\nipc: new\nuts: /proc/1/ns/uts\npid: host", IMAGE).config().get("linux").get("namespaces")
        .forEach(n -> ns.add(n.get("type").asText() + (n.has("path") ? "=" + n.get("path").asText() : "")));
    assertEquals(List.of("network", "ipc", "uts=/proc/1/ns/uts", "mount"), ns);

    List<String> none = new ArrayList<>();
    convert("net: none", IMAGE).config().get("linux").get("namespaces").forEach(n -> none.add(n.get("type").asText()));
    assertEquals(List.of("network", "pid", "mount"), none);
  }

  @Test
  void labelGivesDefaultsYamlOverrides() throws Exception {
    String label = """
        {"capabilities": ["CAP_NET_ADMIN"], "net": "new", "binds": ["/a:/a"], "readonly": true,
         "command": ["/bin/label"], "cwd": "/label", "hostname": "lbl"}""";
    OciConfig.Result fromLabel = convert("", labelled(label));
    ObjectNode c = fromLabel.config();
    assertEquals(List.of("/bin/label"), texts(c.get("process").get("args")));
    assertEquals("/label", c.get("process").get("cwd").asText());
    assertEquals("lbl", c.get("hostname").asText());
    assertEquals(List.of("CAP_NET_ADMIN"), texts(c.get("process").get("capabilities").get("effective")));
    assertTrue(fromLabel.readonly());
    assertEquals("network", c.get("linux").get("namespaces").get(0).get("type").asText());
    assertEquals("bind", mount(c, "/a").get("type").asText());

    OciConfig.Result overridden = convert("""
        capabilities: [CAP_SYS_ADMIN]
        net: host
        readonly: false
        command: [/bin/yaml]
        binds: ["/b:/b"]
        """, labelled(label));
    ObjectNode o = overridden.config();
    assertEquals(List.of("/bin/yaml"), texts(o.get("process").get("args")));
    assertEquals(List.of("CAP_SYS_ADMIN"), texts(o.get("process").get("capabilities").get("effective")));
    assertFalse(overridden.readonly());
    assertEquals("pid", o.get("linux").get("namespaces").get(0).get("type").asText());
    assertNull(mount(o, "/a"));
    assertEquals("/b", mount(o, "/b").get("source").asText());
  }

  @Test
  void labelMayBeYamlAndIsChecked() throws Exception {
    OciConfig.Result r = convert("", labelled("pid: host\nuid: 7\n"));
    assertEquals(7, r.config().get("process").get("user").get("uid").asLong());
    ConfigException e = assertThrows(ConfigException.class, () -> convert("", labelled("{\"capabilitys\": []}")));
    assertTrue(e.getMessage().contains(OciConfig.LABEL), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key \"capabilitys\""), e.getMessage());
  }

  @Test
  void allCapabilities() throws Exception {
    assertEquals(41, OciConfig.ALL_CAPABILITIES.size());
    JsonNode caps = convert("capabilities: [all]", IMAGE).config().get("process").get("capabilities");
    assertEquals(41, caps.get("effective").size());
    assertEquals(41, caps.get("bounding").size());
    assertEquals(41, caps.get("permitted").size());
    assertEquals(41, caps.get("inheritable").size());
    List<String> bounding = texts(caps.get("bounding"));
    List<String> sorted = new ArrayList<>(bounding);
    sorted.sort(null);
    assertEquals(sorted, bounding, "bounding set sorted as LinuxKit does");
    assertFalse(caps.has("ambient"));

    JsonNode none = convert("capabilities: [none]", labelled("{\"capabilities\": [\"CAP_CHOWN\"]}")).config()
        .get("process").get("capabilities");
    assertTrue(none.isEmpty());
  }

  @Test
  void capabilitiesAddAppendsToLabel() throws Exception {
    JsonNode caps = convert("capabilities.add: [CAP_SYS_ADMIN]", labelled("{\"capabilities\": [\"CAP_NET_ADMIN\"]}"))
        .config().get("process").get("capabilities");
    assertEquals(List.of("CAP_NET_ADMIN", "CAP_SYS_ADMIN"), texts(caps.get("effective")));
    assertEquals(List.of("CAP_NET_ADMIN", "CAP_SYS_ADMIN"), texts(caps.get("bounding")));
  }

  @Test
  void ambientJoinsBoundingSet() throws Exception {
    JsonNode caps = convert("capabilities: [CAP_SYS_ADMIN]\nambient: [CAP_CHOWN]", IMAGE).config().get("process").get("capabilities");
    assertEquals(List.of("CAP_SYS_ADMIN"), texts(caps.get("effective")));
    assertEquals(List.of("CAP_CHOWN"), texts(caps.get("ambient")));
    assertEquals(List.of("CAP_CHOWN", "CAP_SYS_ADMIN"), texts(caps.get("bounding")));
  }

  @Test
  void unknownCapability() {
    ConfigException e = assertThrows(ConfigException.class, () -> convert("capabilities:\n  - CAP_SYS_ADMIN\n  - CAP_FLY", IMAGE));
    assertTrue(e.getMessage().startsWith("t.yml:5: services[0].capabilities: unknown capability: CAP_FLY"), e.getMessage());
  }

  @Test
  void binds() throws Exception {
    ObjectNode c = convert("binds:\n  - /var:/var\n  - /etc/resolv.conf:/etc/resolv.conf:ro,rshared", IMAGE).config();
    JsonNode var = mount(c, "/var");
    assertEquals("bind", var.get("type").asText());
    assertEquals("/var", var.get("source").asText());
    assertEquals(List.of("rw", "rbind", "rshared"), texts(var.get("options")));
    JsonNode resolv = mount(c, "/etc/resolv.conf");
    assertEquals(List.of("ro", "rshared", "rbind"), texts(resolv.get("options")));
    List<String> dests = new ArrayList<>();
    c.get("mounts").forEach(m -> dests.add(m.get("destination").asText()));
    List<String> sorted = new ArrayList<>(dests);
    sorted.sort(null);
    assertEquals(sorted, dests);
  }

  @Test
  void bindsAddAppendsToLabel() throws Exception {
    ObjectNode c = convert("binds.add: [\"/b:/b\"]", labelled("{\"binds\": [\"/a:/a\"]}")).config();
    assertEquals("/a", mount(c, "/a").get("source").asText());
    assertEquals("/b", mount(c, "/b").get("source").asText());
  }

  @Test
  void badBinds() {
    ConfigException missing = assertThrows(ConfigException.class, () -> convert("binds: [/var]", IMAGE));
    assertTrue(missing.getMessage().startsWith("t.yml:4: services[0].binds: cannot parse bind, missing ':': /var"), missing.getMessage());
    ConfigException many = assertThrows(ConfigException.class, () -> convert("binds: [\"/a:/b:ro:x\"]", IMAGE));
    assertTrue(many.getMessage().contains("too many ':'"), many.getMessage());
  }

  @Test
  void tmpfs() throws Exception {
    ObjectNode c = convert("tmpfs:\n  - /run:rw,size=10m\n  - /tmp", IMAGE).config();
    JsonNode run = mount(c, "/run");
    assertEquals("tmpfs", run.get("type").asText());
    assertEquals("tmpfs", run.get("source").asText());
    assertEquals(List.of("rw", "size=10m"), texts(run.get("options")));
    assertFalse(mount(c, "/tmp").has("options"));
    ConfigException e = assertThrows(ConfigException.class, () -> convert("tmpfs: [\"/a:b:c\"]", IMAGE));
    assertTrue(e.getMessage().contains("services[0].tmpfs: cannot parse tmpfs"), e.getMessage());
  }

  @Test
  void mountsReplaceDefaults() throws Exception {
    ObjectNode c = convert("""
        mounts:
          - source: mqueue
          - destination: /dev
            options: [rw]
        """, IMAGE).config();
    JsonNode mq = mount(c, "/dev/mqueue");
    assertEquals("mqueue", mq.get("type").asText());
    assertEquals(List.of("rw"), texts(mount(c, "/dev").get("options")));
    assertEquals("tmpfs", mount(c, "/dev").get("type").asText());
    ConfigException e = assertThrows(ConfigException.class, () -> convert("mounts:\n  - destination: /x", IMAGE));
    assertTrue(e.getMessage().contains("missing type"), e.getMessage());
  }

  @Test
  void rlimits() throws Exception {
    JsonNode rl = convert("rlimits:\n  - nofile,1024,unlimited\n  - RLIMIT_CORE, 0, 0", IMAGE).config().get("process").get("rlimits");
    assertEquals(2, rl.size());
    assertEquals("RLIMIT_NOFILE", rl.get(0).get("type").asText());
    assertEquals(BigInteger.valueOf(1024), rl.get(0).get("soft").bigIntegerValue());
    assertEquals(new BigInteger("18446744073709551615"), rl.get(0).get("hard").bigIntegerValue());
    assertEquals("RLIMIT_CORE", rl.get(1).get("type").asText());
    assertEquals(0, rl.get(1).get("soft").asLong());
    String json = new String(GoJson.indent(rl), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"hard\": 18446744073709551615"), json);
    assertTrue(json.contains("\"soft\": 1024"), json);
  }

  @Test
  void badRlimits() {
    ConfigException unknown = assertThrows(ConfigException.class, () -> convert("rlimits: [\"nofiles,1,2\"]", IMAGE));
    assertTrue(unknown.getMessage().startsWith("t.yml:4: services[0].rlimits: unknown limit: nofiles"), unknown.getMessage());
    ConfigException shape = assertThrows(ConfigException.class, () -> convert("rlimits: [\"nofile,1\"]", IMAGE));
    assertTrue(shape.getMessage().contains("cannot parse rlimit"), shape.getMessage());
    ConfigException number = assertThrows(ConfigException.class, () -> convert("rlimits: [\"nofile,-1,2\"]", IMAGE));
    assertTrue(number.getMessage().contains("as uint64"), number.getMessage());
  }

  @Test
  void uidByContainerName() throws Exception {
    Moby m = Moby.parse("t.yml", """
        onboot:
          - name: first
            image: x
        services:
          - name: svc
            image: y
            uid: first
            gid: svc
            additionalGids: [first, 7, root]
        """, w -> {});
    JsonNode user = OciConfig.convert(m.services().get(0), IMAGE, m.idMap()).config().get("process").get("user");
    assertEquals(100, user.get("uid").asLong());
    assertEquals(101, user.get("gid").asLong());
    assertEquals(List.of("100", "7", "0"), texts(user.get("additionalGids")));

    Moby bad = Moby.parse("t.yml", "services:\n  - name: svc\n    image: y\n    uid: nobody\n", w -> {});
    ConfigException e = assertThrows(ConfigException.class, () -> OciConfig.convert(bad.services().get(0), IMAGE, bad.idMap()));
    assertTrue(e.getMessage().startsWith("t.yml:4: services[0].uid: cannot find id: nobody"), e.getMessage());
  }

  @Test
  void readonly() throws Exception {
    OciConfig.Result r = convert("readonly: true", IMAGE);
    assertTrue(r.readonly());
    ObjectNode c = r.config();
    assertTrue(c.get("root").get("readonly").asBoolean());
    assertTrue(texts(mount(c, "/dev").get("options")).contains("ro"));
    assertTrue(texts(mount(c, "/sys").get("options")).contains("ro"));
    assertEquals("ro", texts(mount(c, "/sys").get("options")).getLast());
    assertFalse(texts(mount(c, "/proc").get("options")).contains("ro"));
  }

  @Test
  void devices() throws Exception {
    ObjectNode linux = convert("""
        devices:
          - path: /dev/console
            type: c
            major: 5
            minor: 1
            mode: "0666"
          - path: all
            type: b
        """, IMAGE).config().get("linux").deepCopy();
    JsonNode dev = linux.get("devices");
    assertEquals(1, dev.size());
    assertEquals("/dev/console", dev.get(0).get("path").asText());
    assertEquals("c", dev.get(0).get("type").asText());
    assertEquals(5, dev.get(0).get("major").asInt());
    assertEquals(1, dev.get(0).get("minor").asInt());
    assertEquals(0666, dev.get(0).get("fileMode").asInt());
    JsonNode rules = linux.get("resources").get("devices");
    assertEquals(2, rules.size());
    assertTrue(rules.get(0).get("allow").asBoolean());
    assertEquals("c", rules.get(0).get("type").asText());
    assertEquals(5, rules.get(0).get("major").asInt());
    assertEquals(1, rules.get(0).get("minor").asInt());
    assertEquals("rwm", rules.get(0).get("access").asText());
    assertEquals("b", rules.get(1).get("type").asText());
    assertFalse(rules.get(1).has("major"));

    ConfigException e = assertThrows(ConfigException.class, () -> convert("devices:\n  - path: /dev/x\n    type: c\n    mode: \"9\"", IMAGE));
    assertTrue(e.getMessage().contains("octal"), e.getMessage());
  }

  @Test
  void runtimeJson() throws Exception {
    ObjectNode def = convert("", IMAGE).runtime();
    assertEquals(new ObjectMapper().readTree("{\"mounts\": [], \"bindNS\": {}}"), def);
    assertEquals("{\n    \"mounts\": [],\n    \"bindNS\": {}\n}", new String(GoJson.indent(def), StandardCharsets.UTF_8));

    ObjectNode rt = convert("""
        runtime:
          mkdir: [/var/lib/docker]
          cgroups: [docker]
          bindNS:
            net: /run/netns/svc
          interfaces:
            - name: eth0
              add: veth
              peer: veth0
        """, labelled("{\"runtime\": {\"mkdir\": [\"/label\"], \"namespace\": \"ns\"}}")).runtime();
    assertEquals(List.of("/var/lib/docker"), texts(rt.get("mkdir")));
    assertEquals(List.of("docker"), texts(rt.get("cgroups")));
    assertEquals("/run/netns/svc", rt.get("bindNS").get("net").asText());
    assertEquals("veth0", rt.get("interfaces").get(0).get("peer").asText());
    assertEquals("ns", rt.get("namespace").asText(), "keys absent from the YAML come from the label");
    assertTrue(rt.get("mounts").isArray() && rt.get("mounts").isEmpty());
  }

  @Test
  void goJsonShape() throws Exception {
    JsonNode n = new ObjectMapper().readTree("""
        {"a": "x<y>&z", "b": [], "c": {}, "d": [1, true, null, "q\\"\\n"], "e": {"f": 2.5}}""");
    String expected = """
        {
            "a": "x\\u003cy\\u003e\\u0026z",
            "b": [],
            "c": {},
            "d": [
                1,
                true,
                null,
                "q\\"\\n"
            ],
            "e": {
                "f": 2.5
            }
        }""";
    assertEquals(expected, new String(GoJson.indent(n), StandardCharsets.UTF_8));
    assertEquals("\"\\u0001\\t\"", new String(GoJson.indent(new ObjectMapper().getNodeFactory().textNode("\u0001\t")), StandardCharsets.UTF_8));
  }

  @Test
  void fullConfigSerializesLikeGo() throws Exception {
    String json = new String(GoJson.indent(convert("capabilities: [CAP_CHOWN]", IMAGE).config()), StandardCharsets.UTF_8);
    assertTrue(json.startsWith("{\n    \"ociVersion\": \"1.0.2\",\n    \"process\": {\n"), json);
    assertTrue(json.contains("\n        \"capabilities\": {\n            \"bounding\": [\n                \"CAP_CHOWN\"\n            ],"), json);
    assertFalse(json.endsWith("\n"));
    // parses back to the same tree
    assertEquals(new ObjectMapper().readTree(convert("capabilities: [CAP_CHOWN]", IMAGE).config().toString()), new ObjectMapper().readTree(json));
  }
}
