package dockyard.notary.tuf;

import java.io.IOException;

/** Metadata that does not verify or cannot be read; the message says which role and why. */
public class TufException extends IOException {
  public TufException(String message) {
    super(message);
  }
}
