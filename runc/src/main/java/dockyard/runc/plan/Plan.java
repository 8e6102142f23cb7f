package dockyard.runc.plan;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the C helper must do, in the plan-file format of the module README: one directive per line,
 * each argument length-prefixed so newlines, spaces and empty strings survive.
 */
public record Plan(List<Directive> directives) {
  public Plan {
    directives = List.copyOf(directives);
  }

  public record Directive(String keyword, List<String> args) {
    public Directive {
      if (!keyword.matches("[a-z][a-z-]*")) throw new IllegalArgumentException("bad plan keyword " + keyword);
      args = List.copyOf(args);
    }
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Directive d : directives) {
      out.writeBytes(d.keyword().getBytes(StandardCharsets.US_ASCII));
      for (String arg : d.args()) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        out.write(' ');
        out.writeBytes(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        out.write(':');
        out.writeBytes(bytes);
      }
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Reads one directive in the same encoding (the resident daemon's requests use it), or returns
   * null at end of stream. Lengths are bounded so a bad peer cannot make us allocate without limit.
   */
  public static Directive read(java.io.InputStream in, int maxArgBytes) throws java.io.IOException {
    StringBuilder keyword = new StringBuilder();
    int c = in.read();
    if (c < 0) return null;
    while (c != ' ' && c != '\n') {
      if (c < 0 || keyword.length() > 32) throw new java.io.IOException("malformed directive");
      keyword.append((char) c);
      c = in.read();
    }
    List<String> args = new ArrayList<>();
    while (c == ' ') {
      int len = 0;
      int digits = 0;
      for (c = in.read(); c >= '0' && c <= '9'; c = in.read()) {
        len = len * 10 + (c - '0');
        if (++digits > 9 || len > maxArgBytes) throw new java.io.IOException("directive argument too long");
      }
      if (c != ':' || digits == 0) throw new java.io.IOException("malformed directive argument");
      byte[] bytes = in.readNBytes(len);
      if (bytes.length != len) throw new java.io.IOException("truncated directive");
      args.add(new String(bytes, StandardCharsets.UTF_8));
      c = in.read();
    }
    if (c != '\n') throw new java.io.IOException("malformed directive end");
    return new Directive(keyword.toString(), args);
  }

  /** This plan with one more directive at the end. */
  public Plan with(String keyword, Object... args) {
    List<Directive> more = new ArrayList<>(directives);
    more.addAll(builder().add(keyword, args).build().directives());
    return new Plan(more);
  }

  /** Directives with the given keyword, in order (for tests and diagnostics). */
  public List<Directive> all(String keyword) {
    return directives.stream().filter(d -> d.keyword().equals(keyword)).toList();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private final List<Directive> directives = new ArrayList<>();

    public Builder add(String keyword, Object... args) {
      List<String> strings = new ArrayList<>(args.length);
      for (Object a : args) {
        if (a instanceof List<?> list) list.forEach(x -> strings.add(String.valueOf(x)));
        else strings.add(String.valueOf(a));
      }
      directives.add(new Directive(keyword, strings));
      return this;
    }

    public Plan build() {
      return new Plan(directives);
    }
  }
}
