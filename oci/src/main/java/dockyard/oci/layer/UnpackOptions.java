package dockyard.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How to unpack. {@code privileged}: set owners from the archive and create device nodes, which
 * only root can do; unprivileged unpacking leaves files owned by the caller and refuses device
 * nodes (the layer would not be reproduced faithfully, and silently dropping them hides that).
 * {@code durable}: fsync every file and directory before the final rename, so a crash right after
 * cannot leave a renamed but half-flushed tree; slower, and only needed where power loss matters.
 */
public record UnpackOptions(boolean privileged, boolean durable) {
  /** Privileged exactly when running as root (effective uid 0); not durable. */
  public static UnpackOptions defaults() {
    return new UnpackOptions(isRoot(), false);
  }

  public static UnpackOptions unprivileged() {
    return new UnpackOptions(false, false);
  }

  public UnpackOptions withDurable(boolean d) {
    return new UnpackOptions(privileged, d);
  }

  static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
