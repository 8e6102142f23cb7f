package dockyard.runc.seccomp;

/** A seccomp profile that cannot be compiled: an unknown action, op or architecture, a bad value, a too-long program. */
public class SeccompException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SeccompException(String message) { super(message); }
}
