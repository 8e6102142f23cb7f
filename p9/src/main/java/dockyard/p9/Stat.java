package dockyard.p9;

/**
 * A 9P2000(.u) stat structure. The .u fields ({@code extension}, {@code nUid}, {@code nGid},
 * {@code nMuid}) are ignored when encoding plain 9P2000.
 *
 * <p>In a Twstat every field may hold its "don't touch" value: ~0 for numbers and "" for strings;
 * the {@code changes*} helpers read them.
 */
public record Stat(short type, int dev, Qid qid, int mode, int atime, int mtime, long length,
                   String name, String uid, String gid, String muid,
                   String extension, int nUid, int nGid, int nMuid) {

    /** Permission bits of {@link #mode} that mark a directory and other special files. */
    public static final int DMDIR = 0x80000000;
    public static final int DMAPPEND = 0x40000000;
    public static final int DMEXCL = 0x20000000;
    public static final int DMTMP = 0x04000000;
    public static final int DMSYMLINK = 0x02000000;
    public static final int DMDEVICE = 0x00800000;
    public static final int DMNAMEDPIPE = 0x00200000;
    public static final int DMSOCKET = 0x00100000;
    public static final int DMSETUID = 0x00080000;
    public static final int DMSETGID = 0x00040000;

    /** The value of an unset numeric field in a Twstat ("don't touch"), and of an unknown n_uid. */
    public static final int NO_CHANGE = ~0;

    public Stat {
        name = name == null ? "" : name;
        uid = uid == null ? "" : uid;
        gid = gid == null ? "" : gid;
        muid = muid == null ? "" : muid;
        extension = extension == null ? "" : extension;
    }

    /** A stat owned by root with the given identity, permission/mode bits, size and time (seconds). */
    public static Stat of(Qid qid, String name, int mode, long length, int mtime) {
        return new Stat((short) 0, 0, qid, mode, mtime, mtime, length, name, "root", "root", "root", "", 0, 0, 0);
    }

    /** A Twstat template in which nothing changes; use the withers to set what should. */
    public static Stat dontTouch() {
        return new Stat((short) NO_CHANGE, NO_CHANGE, new Qid((byte) NO_CHANGE, NO_CHANGE, -1L), NO_CHANGE, NO_CHANGE,
                NO_CHANGE, -1L, "", "", "", "", "", NO_CHANGE, NO_CHANGE, NO_CHANGE);
    }

    public Stat withName(String n) { return new Stat(type, dev, qid, mode, atime, mtime, length, n, uid, gid, muid, extension, nUid, nGid, nMuid); }
    public Stat withLength(long l) { return new Stat(type, dev, qid, mode, atime, mtime, l, name, uid, gid, muid, extension, nUid, nGid, nMuid); }
    public Stat withMode(int m) { return new Stat(type, dev, qid, m, atime, mtime, length, name, uid, gid, muid, extension, nUid, nGid, nMuid); }
    public Stat withExtension(String e) { return new Stat(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid, e, nUid, nGid, nMuid); }

    public boolean isDir() { return (mode & DMDIR) != 0; }

    public boolean changesName() { return !name.isEmpty(); }
    public boolean changesLength() { return length != -1L; }
    public boolean changesMode() { return mode != NO_CHANGE; }
    public boolean changesMtime() { return mtime != NO_CHANGE; }
    public boolean changesOwner() { return !uid.isEmpty() || !gid.isEmpty() || (nUid != NO_CHANGE && nUid != 0 && nUid != -1) ; }
}
