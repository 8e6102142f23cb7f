package dockyard.oci.registry;

import dockyard.oci.OciException;
import java.net.URI;
import java.util.List;

/**
 * A registry answered with an error: the message has the method, URL, HTTP status and the registry's
 * own error codes and messages ({@code {"errors":[{"code":…,"message":…}]}}) when it sent them.
 */
public class RegistryException extends OciException {
  public record Error(String code, String message) {}

  private final int status;
  private final URI uri;
  private final List<Error> errors;

  public RegistryException(String message, int status, URI uri, List<Error> errors) {
    super(message);
    this.status = status;
    this.uri = uri;
    this.errors = errors == null ? List.of() : List.copyOf(errors);
  }

  /** The HTTP status, or -1 when none came (a refusal before any answer). */
  public int status() {
    return status;
  }

  public URI uri() {
    return uri;
  }

  /** The registry's error entries; empty when the body had none. */
  public List<Error> errors() {
    return errors;
  }

  public boolean hasCode(String code) {
    return errors.stream().anyMatch(e -> code.equals(e.code()));
  }
}
