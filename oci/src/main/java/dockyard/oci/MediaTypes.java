package dockyard.oci;

import java.util.Set;

/** The media types of the OCI image-spec and of Docker's image manifest v2 schema 2, and what kind each is. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String OCI_DESCRIPTOR = "application/vnd.oci.descriptor.v1+json";
  public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  /** Deprecated by image-spec 1.1 but still found in the wild (Windows base layers). */
  public static final String OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  /** Not in the schema 2 document, but written by Docker's own tools for uncompressed layers. */
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  /** Schema 1 (signed JSON) predates content addressing of configs; recognised only to refuse it clearly. */
  public static final String DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";

  public static final String OCTET_STREAM = "application/octet-stream";

  private static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
  private static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
  private static final Set<String> CONFIGS = Set.of(OCI_CONFIG, DOCKER_CONFIG);
  private static final Set<String> UNCOMPRESSED_LAYERS = Set.of(OCI_LAYER, OCI_LAYER_NONDISTRIBUTABLE, DOCKER_LAYER);
  private static final Set<String> GZIP_LAYERS = Set.of(OCI_LAYER_GZIP, OCI_LAYER_NONDISTRIBUTABLE_GZIP, DOCKER_LAYER_GZIP, DOCKER_LAYER_FOREIGN_GZIP);
  private static final Set<String> ZSTD_LAYERS = Set.of(OCI_LAYER_ZSTD, OCI_LAYER_NONDISTRIBUTABLE_ZSTD);

  /** An image index or Docker manifest list: it points at manifests, one per platform. */
  public static boolean isIndex(String mediaType) {
    return INDEXES.contains(mediaType);
  }

  /** An image manifest (OCI or Docker schema 2): a config and layers. */
  public static boolean isManifest(String mediaType) {
    return MANIFESTS.contains(mediaType);
  }

  public static boolean isConfig(String mediaType) {
    return CONFIGS.contains(mediaType);
  }

  /** A filesystem layer, compressed or not. */
  public static boolean isLayer(String mediaType) {
    return UNCOMPRESSED_LAYERS.contains(mediaType) || GZIP_LAYERS.contains(mediaType) || ZSTD_LAYERS.contains(mediaType);
  }

  public static boolean isGzipLayer(String mediaType) {
    return GZIP_LAYERS.contains(mediaType);
  }

  public static boolean isZstdLayer(String mediaType) {
    return ZSTD_LAYERS.contains(mediaType);
  }

  public static boolean isUncompressedLayer(String mediaType) {
    return UNCOMPRESSED_LAYERS.contains(mediaType);
  }

  /** The layer media type a manifest of type {@code manifestType} uses for a gzip or plain tar. */
  public static String layerTypeFor(String manifestType, boolean gzip) {
    if (DOCKER_MANIFEST.equals(manifestType)) return gzip ? DOCKER_LAYER_GZIP : DOCKER_LAYER;
    return gzip ? OCI_LAYER_GZIP : OCI_LAYER;
  }
}
