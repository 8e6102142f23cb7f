package dockyard.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
  @Test
  void killDeliversTheSignalAndReportsMissingProcesses() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    int pid = (int) p.pid();
    assertTrue(Libc.processExists(pid));
    Libc.kill(pid, Signal.parse("USR1"));
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertEquals(128 + Signal.SIGUSR1.number(), p.exitValue());
    assertFalse(Libc.processExists(pid));
    LinuxException e = assertThrows(LinuxException.class, () -> Libc.kill(pid, 9));
    assertEquals(Errno.ESRCH, e.errno());
    assertTrue(e.getMessage().contains("No such process"), e.getMessage());
  }

  @Test
  void mkfifoMakesAFifoAndNamesThePathOnFailure(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("exec.fifo");
    Libc.mkfifo(fifo.toString(), 0622);
    assertTrue(Files.exists(fifo));
    assertFalse(Files.isRegularFile(fifo));
    int mode = (Integer) Files.getAttribute(fifo, "unix:mode");
    assertEquals(0010000, mode & 0170000, "S_IFIFO");
    LinuxException e = assertThrows(LinuxException.class, () -> Libc.mkfifo(fifo.toString(), 0600));
    assertEquals(Errno.EEXIST, e.errno());
    assertTrue(e.getMessage().startsWith("mkfifo " + fifo), e.getMessage());
  }

  @Test
  void signalNamesParseLikeRunc() {
    assertEquals(15, Signal.parse("TERM"));
    assertEquals(15, Signal.parse("SIGTERM"));
    assertEquals(9, Signal.parse("9"));
    assertEquals(34, Signal.parse("34"));
    assertEquals(0, Signal.parse("0"));
    assertThrows(IllegalArgumentException.class, () -> Signal.parse("NOPE"));
    assertThrows(IllegalArgumentException.class, () -> Signal.parse("65"));
  }
}
