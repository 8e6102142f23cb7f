package dockyard.oci;

/**
 * A layer as a manifest and a config both need it: the blob as stored (perhaps compressed) and
 * the digest of its uncompressed tar (the config's diff ID).
 */
public record Layer(Descriptor blob, Digest diffId) {
  public Layer {
    Checks.required(blob, "blob");
    Checks.required(diffId, "diffId");
  }
}
