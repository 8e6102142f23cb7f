package dockyard.runc.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * System call names and numbers of one architecture. The x86_64 table is the class-path resource
 * {@code syscalls-x86_64.txt}, generated from the kernel's UAPI {@code asm/unistd_64.h}: lines of
 * {@code name number}, {@code #} comments and blank lines ignored.
 */
public final class SyscallTable {

  /** The x86_64 table's resource name, relative to this class's package. */
  public static final String X86_64_RESOURCE = "syscalls-x86_64.txt";

  private final String arch;
  private final Map<String, Integer> byName; // in number order
  private final Map<Integer, String> byNumber;

  private SyscallTable(String arch, Map<String, Integer> byName) {
    this.arch = arch;
    this.byName = Collections.unmodifiableMap(byName);
    Map<Integer, String> inverse = new HashMap<>();
    byName.forEach((name, nr) -> inverse.putIfAbsent(nr, name));
    this.byNumber = Collections.unmodifiableMap(inverse);
  }

  private static final class X8664 {
    static final SyscallTable TABLE = load("x86_64", X86_64_RESOURCE);
  }

  /** The native x86_64 table (loaded once). */
  public static SyscallTable x86_64() { return X8664.TABLE; }

  private static SyscallTable load(String arch, String resource) {
    try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing class-path resource " + resource);
      return parse(arch, new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  /**
   * Parses a table in the resource format.
   *
   * @throws IllegalArgumentException for a malformed line, a duplicate name or a negative number
   */
  public static SyscallTable parse(String arch, Reader reader) throws IOException {
    Map<String, Integer> byName = new LinkedHashMap<>();
    BufferedReader in = new BufferedReader(reader);
    String line;
    int lineNo = 0;
    List<Map.Entry<String, Integer>> entries = new ArrayList<>();
    while ((line = in.readLine()) != null) {
      lineNo++;
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) continue;
      String[] parts = s.split("\\s+");
      if (parts.length != 2) throw new IllegalArgumentException("syscall table line " + lineNo + ": expected \"name number\": " + line);
      int nr;
      try {
        nr = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("syscall table line " + lineNo + ": bad number: " + line);
      }
      if (nr < 0) throw new IllegalArgumentException("syscall table line " + lineNo + ": negative number: " + line);
      if (byName.containsKey(parts[0])) throw new IllegalArgumentException("syscall table line " + lineNo + ": duplicate name " + parts[0]);
      byName.put(parts[0], nr);
      entries.add(Map.entry(parts[0], nr));
    }
    entries.sort(Map.Entry.comparingByValue());
    Map<String, Integer> sorted = new LinkedHashMap<>();
    for (var e : entries) sorted.put(e.getKey(), e.getValue());
    return new SyscallTable(arch, sorted);
  }

  /** The architecture name, e.g. {@code x86_64}. */
  public String arch() { return arch; }

  /** The number of {@code name}, or empty when the architecture has no such system call. */
  public OptionalInt number(String name) {
    Integer nr = byName.get(name);
    return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
  }

  /** The name of system call {@code number}, if any. */
  public Optional<String> name(int number) { return Optional.ofNullable(byNumber.get(number)); }

  /** Every name and its number, in number order; unmodifiable. */
  public Map<String, Integer> byName() { return byName; }

  public int size() { return byName.size(); }

  /** The highest syscall number the table knows: anything above is newer than this table. */
  public int maxNumber() { return byName.values().stream().mapToInt(Integer::intValue).max().orElse(-1); }

  /** Names split into those this architecture knows (with their numbers, in the given order) and the rest. */
  public record Resolution(Map<String, Integer> numbers, List<String> unknown) {
    public Resolution {
      numbers = Collections.unmodifiableMap(new LinkedHashMap<>(numbers));
      unknown = List.copyOf(unknown);
    }
  }

  /**
   * Resolves names as runc does: names unknown on this architecture are skipped and returned in
   * {@link Resolution#unknown()} (each once) so the caller can warn about them.
   */
  public Resolution resolve(Collection<String> names) {
    Map<String, Integer> known = new LinkedHashMap<>();
    LinkedHashSet<String> unknown = new LinkedHashSet<>();
    for (String name : names) {
      Integer nr = name == null ? null : byName.get(name);
      if (nr != null) known.put(name, nr);
      else unknown.add(String.valueOf(name));
    }
    return new Resolution(known, new ArrayList<>(unknown));
  }

  @Override
  public String toString() { return "SyscallTable[" + arch + ", " + byName.size() + " syscalls]"; }
}
