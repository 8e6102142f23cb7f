package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image index (or Docker manifest list): manifests, usually one per platform. An OCI layout's
 * {@code index.json} is one too, with tags in the {@link Annotations#REF_NAME} annotation.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations"})
public record Index(
    @JsonProperty(required = true) int schemaVersion,
    String mediaType,
    String artifactType,
    List<Descriptor> manifests,
    Descriptor subject,
    Map<String, String> annotations) {

  public Index {
    if (schemaVersion != 2) throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
    if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("mediaType \"" + mediaType + "\" is not an image index");
    }
    Checks.required(manifests, "manifests");
    manifests = Checks.list(manifests, "manifests");
    annotations = Checks.map(annotations, "annotations");
  }

  /** An OCI image index. */
  public static Index of(List<Descriptor> manifests) {
    return new Index(2, MediaTypes.OCI_INDEX, null, manifests, null, null);
  }

  public Index withManifests(List<Descriptor> next) {
    return new Index(schemaVersion, mediaType, artifactType, next, subject, annotations);
  }

  /** A copy with {@code d} appended. */
  public Index plus(Descriptor d) {
    List<Descriptor> next = new ArrayList<>(manifests);
    next.add(d);
    return withManifests(next);
  }

  public String effectiveMediaType() {
    return mediaType == null ? MediaTypes.OCI_INDEX : mediaType;
  }
}
