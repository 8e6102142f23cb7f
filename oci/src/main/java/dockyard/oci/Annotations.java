package dockyard.oci;

/** Pre-defined annotation keys of the OCI image-spec that this library reads or writes. */
public final class Annotations {
  private Annotations() {}

  /** In an OCI layout's index.json: the tag (or full reference) a manifest is known by. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  public static final String CREATED = "org.opencontainers.image.created";
  public static final String TITLE = "org.opencontainers.image.title";
  public static final String SOURCE = "org.opencontainers.image.source";
  public static final String REVISION = "org.opencontainers.image.revision";
  /** containerd's and Docker's name for the full reference of an image in an export. */
  public static final String CONTAINERD_IMAGE_NAME = "io.containerd.image.name";
}
