package dockyard.runc.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing cgroup control files, with errors that name the file and the value. */
final class CgroupFiles {
  private CgroupFiles() {}

  static void write(Path dir, String file, String value) throws IOException {
    Path p = dir.resolve(file);
    try {
      // One write(2) per value: the kernel parses each write as a whole.
      Files.write(p, value.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IOException("cgroup: cannot write \"" + value + "\" to " + p + ": " + reason(e), e);
    }
  }

  /** Writes when the file exists; otherwise records that this host lacks the setting. */
  static void writeIfPresent(Path dir, String file, String value, List<String> warnings) throws IOException {
    if (Files.exists(dir.resolve(file))) write(dir, file, value);
    else warnings.add("cgroup: " + file + " is not available on this host; \"" + value + "\" not applied");
  }

  /** A check that reads control files. */
  interface Check {
    boolean holds() throws IOException;
  }

  /** Polls {@code check} every 2 ms for up to a second: freezing and thawing finish asynchronously. */
  static void await(Check check) throws IOException {
    for (int i = 0; i < 500 && !check.holds(); i++) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static String read(Path dir, String file) throws IOException {
    return Files.readString(dir.resolve(file), StandardCharsets.US_ASCII).trim();
  }

  static long readLong(Path dir, String file) {
    try {
      String s = read(dir, file);
      return s.equals("max") ? -1 : Long.parseLong(s);
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** "key value" lines (memory.stat, cpu.stat) as a map. */
  static Map<String, Long> readKeyed(Path dir, String file) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(dir.resolve(file))) {
        String[] kv = line.trim().split("\\s+");
        if (kv.length == 2) {
          try {
            out.put(kv[0], Long.parseLong(kv[1]));
          } catch (NumberFormatException ignored) {
            // not a counter
          }
        }
      }
    } catch (IOException e) {
      // controller absent: no stats
    }
    return out;
  }

  static List<Integer> readPids(Path procs) throws IOException {
    List<Integer> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(procs)) if (!line.isBlank()) pids.add(Integer.parseInt(line.trim()));
    } catch (NoSuchFileException e) {
      // cgroup already gone: no processes
    }
    return pids;
  }

  /**
   * rmdir with retries: the kernel refuses (EBUSY) while a killed task is still exiting. Children
   * first, as a runtime-tools test or a nested runtime may have made sub-cgroups.
   */
  static void remove(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (var children = Files.list(dir)) {
      for (Path c : children.filter(Files::isDirectory).toList()) remove(c);
    }
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException e) {
        last = e;
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new IOException("cgroup: cannot remove " + dir + ": " + reason(last), last);
  }

  static String reason(IOException e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) return fse.getReason();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
