package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An image configuration (image-spec "config.json", Docker's container image v1): the platform,
 * how to run the image, the diff IDs of its uncompressed layers and the history. Strings such as
 * {@code created} are kept as written, so reading and re-serializing keeps the tool's precision.
 * Docker's many extra fields are ignored; never re-serialize someone else's config to get its
 * digest: the digest is of the bytes as stored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"created", "author", "architecture", "os", "os.version", "os.features", "variant", "config", "rootfs", "history"})
public record ImageConfig(
    String created,
    String author,
    String architecture,
    String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    String variant,
    Config config,
    RootFs rootfs,
    List<History> history) {

  public ImageConfig {
    Checks.required(architecture, "architecture");
    Checks.required(os, "os");
    Checks.required(rootfs, "rootfs");
    osFeatures = Checks.list(osFeatures, "os.features");
    history = Checks.list(history, "history");
    if (variant != null && variant.isEmpty()) variant = null;
  }

  public Platform platform() {
    return new Platform(architecture, os, osVersion, osFeatures, variant);
  }

  public ImageConfig withRootFs(RootFs next) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, next, history);
  }

  public ImageConfig withHistory(List<History> next) {
    return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, next);
  }

  /** How to run a container from the image; every field is optional. Field names are Docker's. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped"})
  public record Config(
      @JsonProperty("User") String user,
      @JsonProperty("ExposedPorts") @JsonSerialize(using = EmptyObjectSet.Writer.class) @JsonDeserialize(using = EmptyObjectSet.Reader.class)
      Set<String> exposedPorts,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("Volumes") @JsonSerialize(using = EmptyObjectSet.Writer.class) @JsonDeserialize(using = EmptyObjectSet.Reader.class)
      Set<String> volumes,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("StopSignal") String stopSignal,
      @JsonProperty("ArgsEscaped") Boolean argsEscaped) {

    public static final Config EMPTY = new Config(null, null, null, null, null, null, null, null, null, null);

    public Config {
      exposedPorts = Checks.set(exposedPorts, "ExposedPorts");
      env = Checks.list(env, "Env");
      entrypoint = Checks.list(entrypoint, "Entrypoint");
      cmd = Checks.list(cmd, "Cmd");
      volumes = Checks.set(volumes, "Volumes");
      labels = Checks.map(labels, "Labels");
    }

    public Config withEnv(List<String> next) {
      return new Config(user, exposedPorts, next, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped);
    }

    public Config withEntrypoint(List<String> next) {
      return new Config(user, exposedPorts, env, next, cmd, volumes, workingDir, labels, stopSignal, argsEscaped);
    }

    public Config withCmd(List<String> next) {
      return new Config(user, exposedPorts, env, entrypoint, next, volumes, workingDir, labels, stopSignal, argsEscaped);
    }

    public Config withWorkingDir(String next) {
      return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, next, labels, stopSignal, argsEscaped);
    }

    public Config withUser(String next) {
      return new Config(next, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped);
    }
  }

  /** The layers' uncompressed digests, base first; {@code type} is always "layers". */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"type", "diff_ids"})
  public record RootFs(String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
    public RootFs {
      if (!"layers".equals(type)) throw new IllegalArgumentException("type must be \"layers\", got " + (type == null ? "nothing" : "\"" + type + "\""));
      Checks.required(diffIds, "diff_ids");
      diffIds = Checks.list(diffIds, "diff_ids");
    }

    public static RootFs of(List<Digest> diffIds) {
      return new RootFs("layers", diffIds);
    }
  }

  /** One build step; {@code empty_layer} steps (ENV, CMD…) made no layer. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
  public record History(
      String created,
      @JsonProperty("created_by") String createdBy,
      String author,
      String comment,
      @JsonProperty("empty_layer") Boolean emptyLayer) {
    public boolean isEmptyLayer() {
      return Boolean.TRUE.equals(emptyLayer);
    }
  }

  /**
   * {@code ExposedPorts} and {@code Volumes} are JSON objects whose values are always {@code {}}
   * (Go's map[string]struct{}); Java callers see a sorted set of the keys.
   */
  static final class EmptyObjectSet {
    private EmptyObjectSet() {}

    static final class Writer extends JsonSerializer<Set<String>> {
      @Override
      public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeStartObject();
        for (String key : new TreeSet<>(value)) {
          gen.writeFieldName(key);
          gen.writeStartObject();
          gen.writeEndObject();
        }
        gen.writeEndObject();
      }
    }

    static final class Reader extends JsonDeserializer<Set<String>> {
      @Override
      @SuppressWarnings("unchecked")
      public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
          return (Set<String>) ctxt.handleUnexpectedToken(Set.class, p);
        }
        TreeSet<String> keys = new TreeSet<>();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          keys.add(p.currentName());
          p.nextToken();
          p.skipChildren(); // the value carries nothing (Docker writes {}; tolerate anything)
        }
        return keys;
      }
    }
  }
}
