package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * An image manifest: one config blob and an ordered list of layers, base layer first. The same
 * shape serves OCI image manifests and Docker's v2 schema 2 ({@code mediaType} tells them apart).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations"})
public record Manifest(
    @JsonProperty(required = true) int schemaVersion,
    String mediaType,
    String artifactType,
    Descriptor config,
    List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations) {

  public Manifest {
    if (schemaVersion != 2) throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
    if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
      throw new IllegalArgumentException("mediaType \"" + mediaType + "\" is not an image manifest");
    }
    Checks.required(config, "config");
    Checks.required(layers, "layers");
    layers = Checks.list(layers, "layers");
    annotations = Checks.map(annotations, "annotations");
  }

  /** An OCI image manifest. */
  public static Manifest of(Descriptor config, List<Descriptor> layers) {
    return new Manifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, null);
  }

  public Manifest withAnnotations(Map<String, String> values) {
    return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, values == null || values.isEmpty() ? null : values);
  }

  /** The media type to use in a descriptor of this manifest (OCI when the document does not say). */
  public String effectiveMediaType() {
    return mediaType == null ? MediaTypes.OCI_MANIFEST : mediaType;
  }
}
