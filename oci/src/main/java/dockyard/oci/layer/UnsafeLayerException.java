package dockyard.oci.layer;

import dockyard.oci.OciException;

/**
 * A layer entry that would write outside the root, through a link out of it, or something the
 * unpacker may not create (a device node without privilege). The message names the layer and
 * the entry; nothing of the layer is kept when unpacking into a new directory.
 */
public final class UnsafeLayerException extends OciException {
  private final String entry;

  public UnsafeLayerException(String layer, String entry, String reason) {
    super(layer + ": entry \"" + entry + "\": " + reason);
    this.entry = entry;
  }

  /** The entry's name as archived. */
  public String entry() {
    return entry;
  }
}
