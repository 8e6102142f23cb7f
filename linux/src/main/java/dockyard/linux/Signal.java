package dockyard.linux;

import java.util.Locale;

/** Linux x86-64 signal numbers, and parsing of the forms runc accepts: "KILL", "SIGKILL", "9". */
public enum Signal {
  SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
  SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
  SIGSTKFLT(16), SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22),
  SIGURG(23), SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29),
  SIGPWR(30), SIGSYS(31);

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }

  /** Parses a signal name with or without the SIG prefix, or a number 0..64 (0: only check the process exists). */
  public static int parse(String text) {
    String t = text.trim();
    if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
      int n = Integer.parseInt(t);
      if (n >= 0 && n <= 64) return n;
      throw new IllegalArgumentException("invalid signal number: " + text);
    }
    String name = t.toUpperCase(Locale.ROOT);
    if (!name.startsWith("SIG")) name = "SIG" + name;
    for (Signal s : values()) if (s.name().equals(name)) return s.number;
    throw new IllegalArgumentException("unknown signal \"" + text + "\"");
  }

  public static String name(int number) {
    for (Signal s : values()) if (s.number == number) return s.name();
    return Integer.toString(number);
  }
}
