package dockyard.oci.tar;

import dockyard.oci.OciException;

/** A tar stream that is truncated, corrupt or uses a feature this reader refuses; the message says where. */
public final class TarFormatException extends OciException {
  public TarFormatException(String message) {
    super(message);
  }
}
