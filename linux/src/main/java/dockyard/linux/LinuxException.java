package dockyard.linux;

import java.io.IOException;

/** A failed system call: the operation as a short phrase, and errno. */
public final class LinuxException extends IOException {
  private final int errno;

  public LinuxException(String operation, int errno) {
    super(operation + ": " + Libc.strerror(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
