package dockyard.linuxkit.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML checked against a {@link Schema} and turned into a JSON tree, remembering the line of every
 * value by its path ({@code services[0].capabilities}) so later errors can still name the line.
 * Unknown keys, wrong types, duplicate keys and missing required keys fail here, all at once.
 */
public final class YamlTree {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String source;
  private final JsonNode root;
  private final Map<String, Integer> lines;

  private YamlTree(String source, JsonNode root, Map<String, Integer> lines) {
    this.source = source;
    this.root = root;
    this.lines = lines;
  }

  public JsonNode root() {
    return root;
  }

  public String source() {
    return source;
  }

  /** "FILE:LINE: path" for a value's path, or "FILE: path" when the path has no line (a default). */
  public String where(String path) {
    String p = path;
    while (true) {
      Integer line = lines.get(p);
      if (line != null) return source + ":" + line + ": " + path;
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) return source + ": " + path;
      p = p.substring(0, cut);
    }
  }

  public static YamlTree parse(String source, String text, Schema.Obj schema) throws ConfigException {
    return parse(source, new StringReader(text), schema);
  }

  public static YamlTree parse(String source, Reader reader, Schema.Obj schema) throws ConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(50);
    Node node;
    try {
      node = new Yaml(options).compose(reader);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
      throw new ConfigException(source + ":" + line + ": invalid YAML: " + e.getProblem());
    } catch (YAMLException e) {
      throw new ConfigException(source + ": invalid YAML: " + e.getMessage());
    }
    Map<String, Integer> lines = new HashMap<>();
    Converter c = new Converter(source, lines);
    JsonNode root = node == null ? JSON.objectNode() : c.convert(node, schema, "");
    if (!c.errors.isEmpty()) throw new ConfigException(String.join("\n", c.errors));
    return new YamlTree(source, root, lines);
  }

  private static final class Converter {
    final String source;
    final Map<String, Integer> lines;
    final java.util.List<String> errors = new java.util.ArrayList<>();

    Converter(String source, Map<String, Integer> lines) {
      this.source = source;
      this.lines = lines;
    }

    void error(Node at, String path, String message) {
      errors.add(source + ":" + (at.getStartMark().getLine() + 1) + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    JsonNode convert(Node node, Schema type, String path) {
      lines.putIfAbsent(path, node.getStartMark().getLine() + 1);
      if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
        return JSON.nullNode(); // "key:" with nothing after it, as Go's yaml reads it: absent
      }
      switch (type) {
        case Schema.Obj o -> {
          if (!(node instanceof MappingNode m)) {
            error(node, path, "expected " + o.describe() + ", got " + kind(node));
            return JSON.nullNode();
          }
          ObjectNode out = JSON.objectNode();
          Set<String> seen = new HashSet<>();
          for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
              error(t.getKeyNode(), path, "keys must be strings");
              continue;
            }
            String key = k.getValue();
            String sub = path.isEmpty() ? key : path + "." + key;
            Schema valueType = o.properties().get(key);
            if (valueType == null) {
              error(k, path, "unknown key \"" + key + "\"" + (o == Schema.MOBY ? " (allowed: " + String.join(", ", Schema.TOP_LEVEL) + ")" : " in " + o.name()));
              continue;
            }
            if (!seen.add(key)) { // compose() does not apply LoaderOptions' duplicate-key check
              error(k, path, "duplicate key \"" + key + "\"");
              continue;
            }
            JsonNode v = convert(t.getValueNode(), valueType, sub);
            if (!v.isNull()) out.set(key, v);
          }
          for (String r : o.required()) {
            if (!seen.contains(r)) error(node, path, "missing required key \"" + r + "\"");
          }
          return out;
        }
        case Schema.ListOf l -> {
          if (!(node instanceof SequenceNode s)) {
            error(node, path, "expected a list, got " + kind(node));
            return JSON.nullNode();
          }
          ArrayNode out = JSON.arrayNode();
          int i = 0;
          for (Node item : s.getValue()) {
            JsonNode v = convert(item, l.item(), path + "[" + i++ + "]");
            out.add(v);
          }
          return out;
        }
        case Schema.StringMap sm -> {
          if (!(node instanceof MappingNode m)) {
            error(node, path, "expected a map of strings, got " + kind(node));
            return JSON.nullNode();
          }
          ObjectNode out = JSON.objectNode();
          for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && out.has(k.getValue())) {
              error(k, path, "duplicate key \"" + k.getValue() + "\"");
            } else if (t.getKeyNode() instanceof ScalarNode k && t.getValueNode() instanceof ScalarNode v) {
              lines.putIfAbsent(path + "." + k.getValue(), k.getStartMark().getLine() + 1);
              out.put(k.getValue(), v.getValue());
            } else {
              error(t.getKeyNode(), path, "expected string keys and values");
            }
          }
          return out;
        }
        default -> {
          return scalar(node, type, path);
        }
      }
    }

    JsonNode scalar(Node node, Schema type, String path) {
      if (!(node instanceof ScalarNode s)) {
        error(node, path, "expected " + type.describe() + ", got " + kind(node));
        return JSON.nullNode();
      }
      Tag tag = s.getTag();
      String v = s.getValue();
      switch (type) {
        case Schema.Str str -> {
          if (tag.equals(Tag.STR)) return JSON.textNode(v);
          error(node, path, "expected a string, got " + kind(node) + " " + v + " (quote it)");
        }
        case Schema.OneOf one -> {
          if (tag.equals(Tag.STR) && one.values().contains(v)) return JSON.textNode(v);
          error(node, path, "expected " + one.describe() + ", got \"" + v + "\"");
        }
        case Schema.Bool b -> {
          if (tag.equals(Tag.BOOL)) return JSON.booleanNode(v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on"));
          error(node, path, "expected true or false, got " + kind(node) + " \"" + v + "\"");
        }
        case Schema.Int i -> {
          if (tag.equals(Tag.INT)) {
            JsonNode n = integer(v);
            if (n != null) return n;
          }
          error(node, path, "expected an integer, got " + kind(node) + " \"" + v + "\"");
        }
        case Schema.StrOrInt si -> {
          if (tag.equals(Tag.STR)) return JSON.textNode(v);
          if (tag.equals(Tag.INT)) {
            JsonNode n = integer(v);
            if (n != null) return n;
          }
          error(node, path, "expected a string or an integer, got " + kind(node) + " \"" + v + "\"");
        }
        default -> throw new IllegalStateException("not a scalar type: " + type);
      }
      return JSON.nullNode();
    }

    static JsonNode integer(String v) {
      try {
        String t = v.replace("_", "");
        BigInteger b;
        if (t.startsWith("0x") || t.startsWith("0X")) b = new BigInteger(t.substring(2), 16);
        else if (t.startsWith("0o")) b = new BigInteger(t.substring(2), 8);
        else b = new BigInteger(t);
        return b.bitLength() < 64 ? JSON.numberNode(b.longValue()) : JSON.numberNode(b);
      } catch (NumberFormatException e) {
        return null;
      }
    }

    static String kind(Node n) {
      return switch (n) {
        case MappingNode m -> "a map";
        case SequenceNode s -> "a list";
        case ScalarNode s when s.getTag().equals(Tag.STR) -> "a string";
        case ScalarNode s when s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT) -> "a number";
        case ScalarNode s when s.getTag().equals(Tag.BOOL) -> "a boolean";
        default -> "a " + n.getTag().getValue();
      };
    }
  }
}
