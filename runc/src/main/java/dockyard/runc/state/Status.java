package dockyard.runc.state;

import java.util.Locale;

/** OCI runtime state values, plus runc's "paused". */
public enum Status {
  CREATING, CREATED, RUNNING, PAUSED, STOPPED;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
