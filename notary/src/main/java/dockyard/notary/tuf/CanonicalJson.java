package dockyard.notary.tuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.StreamReadFeature;
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
    Out out = new Out();
    write(node, out);
    return java.util.Arrays.copyOf(out.buf, out.len);
  }

  /** An unsynchronized growable byte buffer: a 1 MB targets file is millions of single-byte writes. */
  private static final class Out {
    byte[] buf = new byte[4096];
    int len;

    void write(int b) {
      if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      buf[len++] = (byte) b;
    }

    void write(byte[] b) {
      if (len + b.length > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }
  }

  private record Field(byte[] key, JsonNode value) {}

  private static void write(JsonNode n, Out out) {
    if (n.isObject()) {
      List<Field> fields = new ArrayList<>(n.size());
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        fields.add(new Field(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()));
      }
      fields.sort((a, b) -> java.util.Arrays.compareUnsigned(a.key(), b.key()));
      out.write('{');
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) out.write(',');
        string(fields.get(i).key(), out);
        out.write(':');
        write(fields.get(i).value(), out);
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
      string(n.asText().getBytes(StandardCharsets.UTF_8), out);
    } else if (n.isIntegralNumber()) {
      out.write(n.bigIntegerValue().toString().getBytes(StandardCharsets.US_ASCII));
    } else if (n.isNumber()) {
      throw new IllegalArgumentException("canonical JSON has no fractional numbers: " + n);
    } else if (n.isBoolean()) {
      out.write(n.asBoolean() ? "true".getBytes(StandardCharsets.US_ASCII) : "false".getBytes(StandardCharsets.US_ASCII));
    } else if (n.isNull() || n.isMissingNode()) {
      out.write("null".getBytes(StandardCharsets.US_ASCII));
    } else {
      throw new IllegalArgumentException("cannot encode " + n.getNodeType() + " canonically");
    }
  }

  private static void string(byte[] utf8, Out out) {
    out.write('"');
    int from = 0;
    for (int i = 0; i < utf8.length; i++) {
      if (utf8[i] == '"' || utf8[i] == '\\') {
        out.write(java.util.Arrays.copyOfRange(utf8, from, i));
        out.write('\\');
        from = i;
      }
    }
    out.write(from == 0 ? utf8 : java.util.Arrays.copyOfRange(utf8, from, utf8.length));
    out.write('"');
  }
}
