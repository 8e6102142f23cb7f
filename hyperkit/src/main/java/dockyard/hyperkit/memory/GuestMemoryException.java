package dockyard.hyperkit.memory;

/** The guest named memory that is not RAM (a bad descriptor address, a buffer past the end). */
public final class GuestMemoryException extends RuntimeException {
  public GuestMemoryException(String message) {
    super(message);
  }
}
