package dockyard.linuxkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.linuxkit.bundle.GoJson;
import dockyard.linuxkit.config.ConfigException;
import dockyard.linuxkit.config.Moby;
import dockyard.linuxkit.config.YamlTree;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** {@code files: - metadata: json|yaml}: the build description itself, written into the image. */
final class Metadata {
  private Metadata() {}

  static byte[] render(Moby m, String format, String where) throws ConfigException {
    ObjectNode merged = new ObjectMapper().createObjectNode();
    for (YamlTree t : m.sources()) {
      t.root().properties().forEach(e -> {
        JsonNode before = merged.get(e.getKey());
        if (before instanceof ArrayNode a && e.getValue() instanceof ArrayNode b) a.addAll(b);
        else merged.set(e.getKey(), e.getValue().deepCopy());
      });
    }
    return switch (format) {
      case "json" -> GoJson.indent(merged);
      case "yaml" -> {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Map<?, ?> plain = new ObjectMapper().convertValue(merged, Map.class);
        yield new Yaml(o).dump(plain).getBytes(StandardCharsets.UTF_8);
      }
      default -> throw new ConfigException(where + ".metadata: unsupported metadata type: " + format + " (json or yaml)");
    };
  }
}
