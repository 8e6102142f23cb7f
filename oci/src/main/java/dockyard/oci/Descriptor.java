package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A reference to content: what it is, its digest and its exact size (image-spec "descriptor").
 * Always valid once built: a media type, a digest, a size of zero or more. {@code data} is the
 * base64 embedded-content field of image-spec 1.1, kept verbatim so an index we rewrite loses nothing.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"})
public record Descriptor(
    String mediaType,
    Digest digest,
    @JsonProperty(required = true) long size,
    List<String> urls,
    Map<String, String> annotations,
    String data,
    Platform platform,
    String artifactType) {

  public Descriptor {
    Checks.required(mediaType, "mediaType");
    Checks.required(digest, "digest");
    if (size < 0) throw new IllegalArgumentException("size must not be negative, got " + size);
    urls = Checks.list(urls, "urls");
    annotations = Checks.map(annotations, "annotations");
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, null, null, null, null);
  }

  /** The annotation's value, or null. */
  public String annotation(String key) {
    return annotations == null ? null : annotations.get(key);
  }

  public Descriptor withMediaType(String type) {
    return new Descriptor(type, digest, size, urls, annotations, data, platform, artifactType);
  }

  public Descriptor withPlatform(Platform p) {
    return new Descriptor(mediaType, digest, size, urls, annotations, data, p, artifactType);
  }

  /** Replaces all annotations; null or empty removes the field. */
  public Descriptor withAnnotations(Map<String, String> values) {
    return new Descriptor(mediaType, digest, size, urls, values == null || values.isEmpty() ? null : values, data, platform, artifactType);
  }

  /** Adds or replaces one annotation; a null value removes it. */
  public Descriptor withAnnotation(String key, String value) {
    Map<String, String> next = annotations == null ? new TreeMap<>() : new TreeMap<>(annotations);
    if (value == null) next.remove(key);
    else next.put(key, value);
    return withAnnotations(next);
  }

  /** Same content: digest and size (media type and annotations are about how it is referred to). */
  public boolean sameContent(Descriptor other) {
    return digest.equals(other.digest) && size == other.size;
  }
}
