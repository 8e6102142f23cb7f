package dockyard.hyperkit;

/** How a VM run ended. Errors (a triple fault, a guest fault, KVM failing) carry a one-line detail. */
public record VmExit(Kind kind, int code, String detail) {
  public enum Kind {
    /** The guest wrote its status to the exit port (0xf4). */
    EXITED(false),
    /** The guest powered off or every vCPU halted with nothing left to wake it. */
    POWER_OFF(false),
    /** The guest asked for a reset (i8042 pulse or KVM system event); treated as the end of the VM. */
    RESET(false),
    /** Stopped from the host ({@link VirtualMachine#stop()}, Ctrl-C). */
    STOPPED(false),
    /** A triple fault: KVM reports a shutdown of the vCPU. */
    TRIPLE_FAULT(true),
    /** The guest touched an address no RAM or device answers, or broke a device protocol. */
    GUEST_FAULT(true),
    /** KVM refused to enter or could not emulate. */
    VMM_ERROR(true);

    private final boolean error;

    Kind(boolean error) {
      this.error = error;
    }
  }

  public boolean isError() {
    return kind.error;
  }

  /** A process exit status for the CLI: the guest's code, 0 for a clean end, 1 for an error. */
  public int status() {
    return switch (kind) {
      case EXITED -> code;
      case POWER_OFF, RESET, STOPPED -> 0;
      default -> 1;
    };
  }

  @Override
  public String toString() {
    return kind + (kind == Kind.EXITED ? " " + code : "") + (detail == null || detail.isEmpty() ? "" : ": " + detail);
  }
}
