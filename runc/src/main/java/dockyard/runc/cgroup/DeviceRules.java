package dockyard.runc.cgroup;

import dockyard.runc.spec.Spec;
import java.util.ArrayList;
import java.util.List;

/**
 * The device cgroup rules, in order: the config's rules, then the devices every container gets
 * (null, zero, full, tty, random, urandom, the pty master and slaves), as runc appends them so
 * that a "deny all" config still leaves a working /dev.
 */
final class DeviceRules {
  private static final List<String> ALWAYS_ALLOWED = List.of(
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:8 rwm", "c 1:9 rwm",
      "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c *:* m", "b *:* m");

  private DeviceRules() {}

  /** Lines "allow TYPE MAJ:MIN ACCESS" / "deny …" for devices.allow and devices.deny. */
  static List<String> v1Lines(List<Spec.DeviceRule> rules) {
    List<String> out = new ArrayList<>();
    for (Spec.DeviceRule r : rules) {
      String type = r.type() == null || r.type().isEmpty() ? "a" : r.type();
      if (!type.matches("[acb]")) throw new IllegalArgumentException("linux.resources.devices: invalid type \"" + type + "\" (want a, c or b)");
      // runc keeps the r, w and m it finds and ignores other letters (configs in the wild say "rwa")
      String access = r.access() == null || r.access().isEmpty() ? "rwm" : r.access().replaceAll("[^rwm]", "");
      if (access.isEmpty()) throw new IllegalArgumentException("linux.resources.devices: invalid access \"" + r.access() + "\"");
      String major = r.major() == null || r.major() < 0 ? "*" : r.major().toString();
      String minor = r.minor() == null || r.minor() < 0 ? "*" : r.minor().toString();
      String spec = type.equals("a") ? "a" : type + " " + major + ":" + minor + " " + access;
      out.add((r.allow() ? "allow " : "deny ") + spec);
    }
    for (String a : ALWAYS_ALLOWED) out.add("allow " + a);
    return out;
  }
}
