package dockyard.linuxkit.config;

import java.io.IOException;

/** A LinuxKit YAML file (or an image's config label) that cannot be used; the message names file, line and key. */
public final class ConfigException extends IOException {
  public ConfigException(String message) {
    super(message);
  }
}
