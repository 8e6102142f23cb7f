package dockyard.p9.codec;

import dockyard.p9.Qid;
import dockyard.p9.Stat;

/** The stat structure on the wire: size[2] then the fields, with the 9P2000.u fields appended in that dialect. */
final class StatCodec {
    /** Fixed bytes of a 9P2000 stat, its own size field and the four string lengths included. */
    static final int FIXED_SIZE = 2 + 2 + 4 + 13 + 4 + 4 + 4 + 8 + 4 * 2;
    /** Extra fixed bytes in 9P2000.u: the extension length and three numeric ids. */
    static final int FIXED_SIZE_U_EXTRA = 2 + 3 * 4;

    private StatCodec() {}

    static void write(WireWriter w, Stat s, Dialect d) throws ProtocolException {
        int start = w.length();
        w.u16(0);
        w.u16(s.type()).u32(s.dev()).qid(s.qid()).u32(s.mode()).u32(s.atime()).u32(s.mtime()).u64(s.length())
                .string(s.name(), "stat name").string(s.uid(), "stat uid").string(s.gid(), "stat gid")
                .string(s.muid(), "stat muid");
        if (d == Dialect.P9_2000_U)
            w.string(s.extension(), "stat extension").u32(s.nUid()).u32(s.nGid()).u32(s.nMuid());
        int size = w.length() - start - 2;
        if (size > 0xFFFF) throw new ProtocolException("stat of " + s.name() + " is " + size + " bytes; at most 65535 fit");
        w.patchU16(start, size);
    }

    static Stat read(WireReader r, Dialect d) throws ProtocolException {
        int size = r.u16("stat size");
        if (size > r.remaining())
            throw r.error("stat size " + size + " runs past the end of the data (" + r.remaining() + " bytes left)");
        WireReader s = r.sub(size, "stat");
        Stat stat;
        try {
            stat = readFields(s, d);
        } catch (ProtocolException e) {
            throw r.error("stat size mismatch: size " + size + " is too small for its fields (" + e.getMessage() + ")");
        }
        if (s.remaining() != 0)
            throw r.error("stat size mismatch: size " + size + " leaves " + s.remaining() + " bytes after the last field");
        return stat;
    }

    /** The fields of a stat whose size[2] has been read. */
    private static Stat readFields(WireReader s, Dialect d) throws ProtocolException {
        short type = (short) s.u16("stat type");
        int dev = s.u32("stat dev");
        Qid qid = s.qid("stat qid");
        int mode = s.u32("stat mode");
        int atime = s.u32("stat atime");
        int mtime = s.u32("stat mtime");
        long length = s.u64("stat length");
        String name = s.string("stat name");
        String uid = s.string("stat uid");
        String gid = s.string("stat gid");
        String muid = s.string("stat muid");
        // A plain 9P2000 stat has no numeric ids; "unknown" (~0) is what 9P2000.u itself uses for that.
        String extension = "";
        int nUid = Stat.NO_CHANGE, nGid = Stat.NO_CHANGE, nMuid = Stat.NO_CHANGE;
        if (d == Dialect.P9_2000_U) {
            extension = s.string("stat extension");
            nUid = s.u32("stat n_uid");
            nGid = s.u32("stat n_gid");
            nMuid = s.u32("stat n_muid");
        }
        return new Stat(type, dev, qid, mode, atime, mtime, length, name, uid, gid, muid, extension, nUid, nGid, nMuid);
    }
}
