package dockyard.runc;

/** Where the helper's, and so the container's, stdin, stdout and stderr go. */
public record Stdio(ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err) {
  /** The caller's own stdio, as the runc CLI passes it on. */
  public static Stdio inherit() {
    return new Stdio(ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
  }

  void apply(ProcessBuilder pb) {
    pb.redirectInput(in).redirectOutput(out).redirectError(err);
  }
}
