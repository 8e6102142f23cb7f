package dockyard.oci.tar;

import java.time.Instant;
import java.util.Objects;

/**
 * One member of a tar archive, with the long-name and pax extensions already folded in: {@code
 * name} and {@code linkName} are complete, {@code size} is exact. Names are kept as archived
 * (a directory may end in "/", a name may start with "./"); interpreting them is the caller's job.
 * {@code size} is zero for everything but regular files: the other types carry no data.
 */
public record TarEntry(
    String name,
    Type type,
    int mode,
    long uid,
    long gid,
    String userName,
    String groupName,
    long size,
    Instant modified,
    String linkName,
    int devMajor,
    int devMinor) {

  public enum Type {
    REGULAR('0'), HARDLINK('1'), SYMLINK('2'), CHAR_DEVICE('3'), BLOCK_DEVICE('4'), DIRECTORY('5'), FIFO('6');

    private final char flag;

    Type(char flag) {
      this.flag = flag;
    }

    /** The ustar typeflag byte. */
    public char flag() {
      return flag;
    }

    public boolean isDevice() {
      return this == CHAR_DEVICE || this == BLOCK_DEVICE;
    }
  }

  public TarEntry {
    Objects.requireNonNull(type, "type");
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("tar entry name is empty");
    if (name.indexOf('\0') >= 0) throw new IllegalArgumentException("tar entry name contains NUL: " + name);
    if ((mode & ~07777) != 0) throw new IllegalArgumentException(name + ": mode " + Integer.toOctalString(mode) + " has bits beyond 07777");
    if (uid < 0 || gid < 0) throw new IllegalArgumentException(name + ": negative uid or gid");
    if (size < 0) throw new IllegalArgumentException(name + ": negative size");
    if (type != Type.REGULAR && size != 0) throw new IllegalArgumentException(name + ": only regular files have data, " + type + " has size " + size);
    if ((type == Type.SYMLINK || type == Type.HARDLINK) && (linkName == null || linkName.isEmpty())) {
      throw new IllegalArgumentException(name + ": " + type + " without a target");
    }
    if (linkName != null && linkName.indexOf('\0') >= 0) throw new IllegalArgumentException(name + ": link target contains NUL");
    if (devMajor < 0 || devMinor < 0) throw new IllegalArgumentException(name + ": negative device number");
    userName = userName == null ? "" : userName;
    groupName = groupName == null ? "" : groupName;
    modified = modified == null ? Instant.EPOCH : modified;
    linkName = linkName == null ? "" : linkName;
  }

  public static TarEntry file(String name, long size, int mode) {
    return new TarEntry(name, Type.REGULAR, mode, 0, 0, "", "", size, Instant.EPOCH, "", 0, 0);
  }

  public static TarEntry directory(String name, int mode) {
    return new TarEntry(name, Type.DIRECTORY, mode, 0, 0, "", "", 0, Instant.EPOCH, "", 0, 0);
  }

  public static TarEntry symlink(String name, String target) {
    return new TarEntry(name, Type.SYMLINK, 0777, 0, 0, "", "", 0, Instant.EPOCH, target, 0, 0);
  }

  /** {@code target} is the name of an earlier member of the same archive (or of a lower layer). */
  public static TarEntry hardlink(String name, String target) {
    return new TarEntry(name, Type.HARDLINK, 0644, 0, 0, "", "", 0, Instant.EPOCH, target, 0, 0);
  }

  public static TarEntry fifo(String name, int mode) {
    return new TarEntry(name, Type.FIFO, mode, 0, 0, "", "", 0, Instant.EPOCH, "", 0, 0);
  }

  public static TarEntry device(Type type, String name, int mode, int major, int minor) {
    if (!type.isDevice()) throw new IllegalArgumentException(type + " is not a device type");
    return new TarEntry(name, type, mode, 0, 0, "", "", 0, Instant.EPOCH, "", major, minor);
  }

  public TarEntry withName(String n) {
    return new TarEntry(n, type, mode, uid, gid, userName, groupName, size, modified, linkName, devMajor, devMinor);
  }

  public TarEntry withMode(int m) {
    return new TarEntry(name, type, m, uid, gid, userName, groupName, size, modified, linkName, devMajor, devMinor);
  }

  public TarEntry withOwner(long u, long g) {
    return new TarEntry(name, type, mode, u, g, userName, groupName, size, modified, linkName, devMajor, devMinor);
  }

  public TarEntry withOwnerNames(String u, String g) {
    return new TarEntry(name, type, mode, uid, gid, u, g, size, modified, linkName, devMajor, devMinor);
  }

  public TarEntry withModified(Instant t) {
    return new TarEntry(name, type, mode, uid, gid, userName, groupName, size, t, linkName, devMajor, devMinor);
  }

  public boolean isDirectory() {
    return type == Type.DIRECTORY;
  }

  public boolean isRegular() {
    return type == Type.REGULAR;
  }
}
