package dockyard.runc.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dockyard.runc.RuntimeError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes config.json, turning JSON mistakes into one line that says where they are. */
public final class SpecLoader {
  public static final String CONFIG = "config.json";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private static final ObjectMapper COMPACT = new ObjectMapper();

  private SpecLoader() {}

  public static Spec load(Path bundle) throws IOException {
    Path file = bundle.resolve(CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new RuntimeError("JSON specification file " + CONFIG + " not found in bundle " + bundle);
    }
    return parse(Files.readAllBytes(file), file.toString());
  }

  public static Spec parse(byte[] json, String name) {
    try {
      Spec spec = JSON.readValue(json, Spec.class);
      if (spec == null) throw new RuntimeError(name + ": empty JSON document");
      return spec;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr();
      throw new RuntimeError(name + ": invalid JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RuntimeError(name + ": " + e.getMessage(), e);
    }
  }

  /** Reads a process.json (runc exec --process). */
  public static Spec.Process parseProcess(byte[] json, String name) {
    try {
      return JSON.readValue(json, Spec.Process.class);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new RuntimeError(name + ": invalid JSON" + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()) + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RuntimeError(name + ": " + e.getMessage(), e);
    }
  }

  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One-line JSON, for hook stdin and state output. */
  public static String toCompactJson(Object value) {
    try {
      return COMPACT.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ObjectMapper mapper() {
    return JSON;
  }
}
