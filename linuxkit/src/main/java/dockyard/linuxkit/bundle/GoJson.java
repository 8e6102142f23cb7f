package dockyard.linuxkit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON laid out as Go's {@code json.MarshalIndent(v, "", "    ")} does, which is how LinuxKit writes
 * config.json and runtime.json: a reader diffing our bundles against LinuxKit's sees only real changes.
 */
public final class GoJson {
  private GoJson() {}

  public static byte[] indent(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(node, sb, "");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonNode n, StringBuilder sb, String indent) {
    String inner = indent + "    ";
    if (n.isObject()) {
      if (n.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sb.append(inner);
        string(e.getKey(), sb);
        sb.append(": ");
        write(e.getValue(), sb, inner);
        if (it.hasNext()) sb.append(',');
        sb.append('\n');
      }
      sb.append(indent).append('}');
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append("[\n");
      for (int i = 0; i < n.size(); i++) {
        sb.append(inner);
        write(n.get(i), sb, inner);
        if (i < n.size() - 1) sb.append(',');
        sb.append('\n');
      }
      sb.append(indent).append(']');
    } else if (n.isTextual()) {
      string(n.asText(), sb);
    } else {
      sb.append(n.toString());
    }
  }

  private static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        // Go escapes these so the JSON is safe inside HTML; kept for byte-equal output
        case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
