package dockyard.runc.spec;

import dockyard.runc.RuntimeError;
import dockyard.runc.plan.Rlimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a config before anything is created, so a bad bundle leaves no cgroup, mount or state
 * behind. Every problem found is reported, not only the first.
 */
public final class SpecValidator {
  public static final Set<String> NAMESPACES = Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

  private SpecValidator() {}

  /** @return the rootfs as an absolute host path */
  public static Path validate(Spec spec, Path bundle) {
    List<String> problems = new ArrayList<>();
    if (spec.ociVersion() == null || spec.ociVersion().isEmpty()) problems.add("ociVersion is missing");
    else if (!spec.ociVersion().startsWith("1.")) problems.add("ociVersion " + spec.ociVersion() + " is not supported (want 1.x)");
    Path rootfs = null;
    if (spec.root() == null || spec.root().path() == null || spec.root().path().isEmpty()) {
      problems.add("root.path is missing");
    } else {
      rootfs = bundle.resolve(spec.root().path()).toAbsolutePath().normalize();
      if (!Files.isDirectory(rootfs)) problems.add("rootfs (" + rootfs + ") does not exist");
    }
    process(spec.process(), problems);
    if (spec.mounts() != null) {
      for (int i = 0; i < spec.mounts().size(); i++) {
        Spec.Mount m = spec.mounts().get(i);
        if (m.destination() == null || !m.destination().startsWith("/")) {
          problems.add("mounts[" + i + "].destination \"" + m.destination() + "\" must be an absolute path");
        }
      }
    }
    Spec.Linux linux = spec.linux();
    if (linux == null) {
      problems.add("linux section is missing");
    } else {
      Set<String> seen = new HashSet<>();
      boolean userNs = false;
      if (linux.namespaces() != null) {
        for (Spec.Namespace ns : linux.namespaces()) {
          if (!NAMESPACES.contains(ns.type())) problems.add("unknown namespace type \"" + ns.type() + "\"");
          else if (!seen.add(ns.type())) problems.add("duplicate namespace type \"" + ns.type() + "\"");
          if (ns.path() != null && !ns.path().isEmpty() && !Files.exists(Path.of(ns.path()))) {
            problems.add("namespace " + ns.type() + " path " + ns.path() + " does not exist");
          }
          if ("user".equals(ns.type()) && (ns.path() == null || ns.path().isEmpty())) userNs = true;
        }
      }
      if (!seen.contains("mount")) problems.add("linux.namespaces must include a mount namespace (the rootfs is set up in one)");
      boolean hasMaps = linux.uidMappings() != null && !linux.uidMappings().isEmpty();
      if (userNs && (!hasMaps || linux.gidMappings() == null || linux.gidMappings().isEmpty())) {
        problems.add("a new user namespace needs linux.uidMappings and linux.gidMappings");
      }
      if (!userNs && hasMaps) problems.add("linux.uidMappings given without a new user namespace");
      if (linux.devices() != null) {
        for (Spec.Device d : linux.devices()) {
          if (d.path() == null || !d.path().startsWith("/")) problems.add("linux.devices: path \"" + d.path() + "\" must be absolute");
          if (d.type() == null || !d.type().matches("[cbup]")) problems.add("linux.devices " + d.path() + ": invalid type \"" + d.type() + "\"");
        }
      }
    }
    if (!problems.isEmpty()) throw new RuntimeError("invalid config.json: " + String.join("; ", problems));
    return rootfs;
  }

  /** Checks a process (also used for exec's process.json). */
  public static void process(Spec.Process p, List<String> problems) {
    if (p == null) {
      problems.add("process is missing");
      return;
    }
    if (p.args() == null || p.args().isEmpty() || p.args().getFirst().isEmpty()) problems.add("process.args must not be empty");
    if (p.cwd() == null || !p.cwd().startsWith("/")) problems.add("process.cwd \"" + p.cwd() + "\" must be an absolute path");
    if (p.user() == null) problems.add("process.user is missing");
    if (p.rlimits() != null) {
      Set<String> seen = new HashSet<>();
      for (Spec.Rlimit r : p.rlimits()) {
        if (Rlimits.resource(r.type()) < 0) problems.add("unknown rlimit type \"" + r.type() + "\"");
        else if (!seen.add(r.type())) problems.add("duplicate rlimit type \"" + r.type() + "\"");
        else if (r.soft() != null && r.hard() != null && r.soft().compareTo(r.hard()) > 0) problems.add("rlimit " + r.type() + " soft limit exceeds the hard limit");
      }
    }
    if (p.env() != null) {
      for (String e : p.env()) if (!e.contains("=")) problems.add("process.env entry \"" + e + "\" has no '='");
    }
  }
}
