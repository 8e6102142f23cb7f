package dockyard.runc.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The two facts about a process the runtime needs from /proc/PID/stat: alive (not a zombie) and start time. */
public record ProcStat(char state, long startTime) {
  /** null when the process does not exist. */
  public static ProcStat of(int pid) {
    if (pid <= 0) return null;
    try {
      String s = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      // The command name is in parentheses and may itself contain spaces or ')'.
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return new ProcStat(f[0].charAt(0), Long.parseLong(f[19]));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** True when {@code pid} is still the process that started at {@code startTime} and has not exited. */
  public static boolean alive(int pid, long startTime) {
    ProcStat st = of(pid);
    return st != null && st.state != 'Z' && st.state != 'X' && st.startTime == startTime;
  }
}
