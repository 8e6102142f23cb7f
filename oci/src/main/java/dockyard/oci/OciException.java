package dockyard.oci;

import java.io.IOException;

/**
 * Content that is not what it claims to be: malformed JSON, a descriptor that does not match its
 * blob, an unsafe layer. An {@link IOException} because it surfaces while reading streams and files,
 * and callers already handle those; the message is one line that names the file or entry at fault.
 */
public class OciException extends IOException {
  public OciException(String message) {
    super(message);
  }

  public OciException(String message, Throwable cause) {
    super(message, cause);
  }
}
