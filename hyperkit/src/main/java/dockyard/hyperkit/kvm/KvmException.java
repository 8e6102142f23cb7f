package dockyard.hyperkit.kvm;

import java.io.IOException;

/** A VM that cannot be set up or ran into something the VMM cannot continue from. */
public class KvmException extends IOException {
  public KvmException(String message) {
    super(message);
  }
}
