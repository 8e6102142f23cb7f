package dockyard.oci;

/** A blob a descriptor points at is not in the store. */
public final class BlobNotFoundException extends OciException {
  private final Digest digest;

  public BlobNotFoundException(Digest digest, java.nio.file.Path store) {
    super("blob " + digest + " not found in " + store);
    this.digest = digest;
  }

  public Digest digest() {
    return digest;
  }
}
