package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The canonical JSON notary signs (docker/go's canonical encoder): object keys sorted by their
 * UTF-8 bytes, no whitespace, strings with only {@code "} and {@code \} escaped (every other byte,
 * control characters and non-ASCII included, as is), integers only. Signatures are over these
 * bytes of the "signed" object, so two implementations must agree to the byte.
 */
public final class CanonicalJson {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());

  private CanonicalJson() {}

  /** A new empty JSON object (to build metadata with). */
  public static com.fasterxml.jackson.databind.node.ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses JSON strictly: duplicate keys are an error (two readers could pick different values). */
  public static JsonNode parse(byte[] json) throws IOException {
    return MAPPER.readTree(json);
  }

  public static byte[] encode(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(node, out);
    return out.toByteArray();
  }

  private static void write(JsonNode n, ByteArrayOutputStream out) {
    if (n.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) fields.add(it.next());
      fields.sort((a, b) -> java.util.Arrays.compareUnsigned(a.getKey().getBytes(StandardCharsets.UTF_8), b.getKey().getBytes(StandardCharsets.UTF_8)));
      out.write('{');
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) out.write(',');
        string(fields.get(i).getKey(), out);
        out.write(':');
        write(fields.get(i).getValue(), out);
      }
      out.write('}');
    } else if (n.isArray()) {
      out.write('[');
      for (int i = 0; i < n.size(); i++) {
        if (i > 0) out.write(',');
        write(n.get(i), out);
      }
      out.write(']');
    } else if (n.isTextual()) {
      string(n.asText(), out);
    } else if (n.isIntegralNumber()) {
      out.writeBytes(n.bigIntegerValue().toString().getBytes(StandardCharsets.US_ASCII));
    } else if (n.isNumber()) {
      throw new IllegalArgumentException("canonical JSON has no fractional numbers: " + n);
    } else if (n.isBoolean()) {
      out.writeBytes(n.asBoolean() ? "true".getBytes(StandardCharsets.US_ASCII) : "false".getBytes(StandardCharsets.US_ASCII));
    } else if (n.isNull() || n.isMissingNode()) {
      out.writeBytes("null".getBytes(StandardCharsets.US_ASCII));
    } else {
      throw new IllegalArgumentException("cannot encode " + n.getNodeType() + " canonically");
    }
  }

  private static void string(String s, ByteArrayOutputStream out) {
    out.write('"');
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      if (b == '"' || b == '\\') out.write('\\');
      out.write(b);
    }
    out.write('"');
  }
}
