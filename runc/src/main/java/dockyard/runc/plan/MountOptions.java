package dockyard.runc.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mount(8)-style option words to mount(2) flags, propagation flags and the leftover data string,
 * with the same word list runc accepts.
 */
public record MountOptions(long flags, long propagation, String data, boolean recursiveReadonly) {
  public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8,
      MS_SYNCHRONOUS = 16, MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128,
      MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096,
      MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18,
      MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_IVERSION = 1 << 23,
      MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

  /** Word → (clear?, flag). */
  private record Flag(boolean clear, long flag) {}

  private static final Map<String, Flag> FLAGS = Map.ofEntries(
      Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
      Map.entry("atime", new Flag(true, MS_NOATIME)),
      Map.entry("bind", new Flag(false, MS_BIND)),
      Map.entry("defaults", new Flag(false, 0)),
      Map.entry("dev", new Flag(true, MS_NODEV)),
      Map.entry("diratime", new Flag(true, MS_NODIRATIME)),
      Map.entry("dirsync", new Flag(false, MS_DIRSYNC)),
      Map.entry("exec", new Flag(true, MS_NOEXEC)),
      Map.entry("iversion", new Flag(false, MS_IVERSION)),
      Map.entry("lazytime", new Flag(false, MS_LAZYTIME)),
      Map.entry("loud", new Flag(true, MS_SILENT)),
      Map.entry("mand", new Flag(false, MS_MANDLOCK)),
      Map.entry("noatime", new Flag(false, MS_NOATIME)),
      Map.entry("nodev", new Flag(false, MS_NODEV)),
      Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
      Map.entry("noexec", new Flag(false, MS_NOEXEC)),
      Map.entry("noiversion", new Flag(true, MS_IVERSION)),
      Map.entry("nolazytime", new Flag(true, MS_LAZYTIME)),
      Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
      Map.entry("norelatime", new Flag(true, MS_RELATIME)),
      Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
      Map.entry("nosuid", new Flag(false, MS_NOSUID)),
      Map.entry("nosymfollow", new Flag(false, MS_NOSYMFOLLOW)),
      Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)),
      Map.entry("relatime", new Flag(false, MS_RELATIME)),
      Map.entry("remount", new Flag(false, MS_REMOUNT)),
      Map.entry("ro", new Flag(false, MS_RDONLY)),
      Map.entry("rw", new Flag(true, MS_RDONLY)),
      Map.entry("silent", new Flag(false, MS_SILENT)),
      Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
      Map.entry("suid", new Flag(true, MS_NOSUID)),
      Map.entry("symfollow", new Flag(true, MS_NOSYMFOLLOW)),
      Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)));

  private static final Map<String, Long> PROPAGATION = Map.of(
      "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
      "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
      "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
      "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

  public static MountOptions parse(List<String> options) {
    long flags = 0, propagation = 0;
    boolean rro = false;
    List<String> data = new ArrayList<>();
    if (options != null) {
      for (String o : options) {
        Flag f = FLAGS.get(o);
        if (f != null) {
          flags = f.clear() ? flags & ~f.flag() : flags | f.flag();
        } else if (PROPAGATION.containsKey(o)) {
          propagation |= PROPAGATION.get(o);
        } else if (o.equals("rro")) {
          rro = true; // runc's recursive read-only: every submount too (mount_setattr AT_RECURSIVE)
        } else if (!o.equals("tmpcopyup")) { // runc's copy-up extension: contents are not copied here
          data.add(o);
        }
      }
    }
    return new MountOptions(flags, propagation, String.join(",", data), rro);
  }

  /** Propagation for linux.rootfsPropagation; null or empty keeps runc's default rslave. */
  public static long rootPropagation(String value) {
    if (value == null || value.isEmpty()) return MS_SLAVE | MS_REC;
    Long p = PROPAGATION.get(value);
    if (p == null) throw new IllegalArgumentException("linux.rootfsPropagation: unknown value \"" + value + "\"");
    return p;
  }
}
