package dockyard.oci;

import java.util.List;

/** One platform's image: its manifest (and the manifest's descriptor) and its config. */
public record Image(Descriptor descriptor, Manifest manifest, ImageConfig config) {
  public Image {
    Checks.required(descriptor, "descriptor");
    Checks.required(manifest, "manifest");
    Checks.required(config, "config");
    if (manifest.layers().size() != config.rootfs().diffIds().size()) {
      throw new IllegalArgumentException("the manifest has " + manifest.layers().size() + " layers but the config lists "
          + config.rootfs().diffIds().size() + " diff_ids");
    }
  }

  public Platform platform() {
    return config.platform();
  }

  /** The layers, base first, each with its diff ID from the config. */
  public List<Layer> layers() {
    List<Descriptor> blobs = manifest.layers();
    List<Digest> diffIds = config.rootfs().diffIds();
    return java.util.stream.IntStream.range(0, blobs.size()).mapToObj(i -> new Layer(blobs.get(i), diffIds.get(i))).toList();
  }
}
