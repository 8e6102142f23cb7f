package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSON for the image-spec types. Writing is canonical: fields in the specs' order, map keys
 * sorted, absent fields omitted, no whitespace, so the same value always has the same digest.
 * Reading ignores unknown fields but is strict about what it does read: duplicate keys (two
 * parsers could disagree on which one counts), numbers where strings belong and the reverse,
 * fractions in sizes, and trailing garbage are errors. Every error names the source and the field.
 */
public final class OciJson {
  private OciJson() {}

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(SerializationFeature.INDENT_OUTPUT)
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .build();

  private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");

  /** The canonical bytes of {@code value}. */
  public static byte[] canonical(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /** @param source names the document in errors: a file name, {@code blobs/sha256/…}, "manifest of busybox". */
  public static <T> T parse(byte[] json, Class<T> type, String source) throws OciException {
    try {
      T value = MAPPER.readValue(json, type);
      if (value == null) throw new OciException(source + ": empty JSON document (null)");
      return value;
    } catch (JsonProcessingException e) {
      throw new OciException(source + ": " + describe(e), e);
    } catch (IOException e) {
      throw new OciException(source + ": " + e.getMessage(), e);
    }
  }

  /** Reads a file; the error names the file, including when it is missing. */
  public static <T> T read(Path file, Class<T> type) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new OciException(file + ": missing");
    }
    return parse(bytes, type, file.toString());
  }

  /** A JSON tree, for documents whose shape is looser than a record (docker-archive's manifest.json). */
  static ObjectMapper mapper() {
    return MAPPER;
  }

  static String describe(JsonProcessingException e) {
    JsonProcessingException syntax = syntaxError(e);
    if (syntax != null) {
      JsonLocation at = syntax.getLocation();
      String where = at == null ? "" : "line " + at.getLineNr() + " column " + at.getColumnNr() + ": ";
      return where + "invalid JSON: " + tidy(syntax.getOriginalMessage());
    }
    String path = "";
    String message = e.getOriginalMessage();
    if (e instanceof JsonMappingException m) {
      path = path(m.getPath());
      Throwable cause = m.getCause();
      if (cause instanceof IllegalArgumentException) message = cause.getMessage();
      Matcher missing = MISSING.matcher(message == null ? "" : message);
      if (missing.find()) {
        String field = missing.group(1);
        message = "missing required field \"" + field + "\"";
        // Jackson's path already ends at the absent field; name it once, like the records' own checks
        if (path.equals(field)) path = "";
        else if (path.endsWith("." + field)) path = path.substring(0, path.length() - field.length() - 1);
      } else if (!(cause instanceof IllegalArgumentException)) {
        message = tidy(message);
      }
    }
    return path.isEmpty() ? message : path + ": " + message;
  }

  /** The malformed-JSON error inside {@code e}, if that is what it is (mapping errors may wrap one). */
  private static JsonProcessingException syntaxError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof com.fasterxml.jackson.core.exc.StreamReadException r && !(t instanceof JsonMappingException)) return r;
      if (t.getCause() == t) break;
    }
    return null;
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (!sb.isEmpty()) sb.append('.');
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  /** Jackson's messages without the source excerpt and second lines: one line, about the JSON. */
  private static String tidy(String s) {
    if (s == null) return "malformed";
    int nl = s.indexOf('\n');
    if (nl >= 0) s = s.substring(0, nl);
    int source = s.indexOf(" (for ");
    if (source >= 0 && s.indexOf("[Source", source) >= 0) s = s.substring(0, source);
    source = s.indexOf(" at [Source");
    if (source >= 0) s = s.substring(0, source);
    return s;
  }
}
