package dockyard.runc;

/**
 * A refusal or failure the user should read as one line, worded like runc's own messages
 * ("container does not exist", "container with id exists: ID"). The CLI prints it and exits 1.
 */
public class RuntimeError extends RuntimeException {
  public RuntimeError(String message) {
    super(message);
  }

  public RuntimeError(String message, Throwable cause) {
    super(message, cause);
  }
}
