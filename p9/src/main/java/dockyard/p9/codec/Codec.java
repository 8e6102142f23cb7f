package dockyard.p9.codec;

import dockyard.p9.Qid;
import dockyard.p9.Stat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes and decodes 9P frames ({@code size[4] type[1] tag[2] body}) in one {@link Dialect}, refusing
 * frames larger than {@link #maxFrameSize()} (the negotiated msize). Immutable and thread-safe: a
 * connection swaps in a new codec when a Tversion changes dialect or msize.
 *
 * <p>Decoding is strict: any frame that is not exactly one well-formed message raises
 * {@link ProtocolException} naming the problem.
 */
public final class Codec {
    /** size[4] type[1] tag[2]. */
    public static final int HEADER_SIZE = 7;
    /** The overhead of an Rread/Twrite around its data (Plan 9's IOHDRSZ): count = msize - IOHDRSZ. */
    public static final int IOHDRSZ = 24;
    /** Frames are bounded only by the 32-bit size field, which Java arrays cap a little lower. */
    public static final int UNLIMITED = Integer.MAX_VALUE - 8;

    private final Dialect dialect;
    private final int maxFrameSize;

    public Codec(Dialect dialect, int maxFrameSize) {
        if (maxFrameSize < HEADER_SIZE) throw new IllegalArgumentException("maximum frame size too small: " + maxFrameSize);
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.maxFrameSize = maxFrameSize;
    }

    public Codec(Dialect dialect) { this(dialect, UNLIMITED); }

    public Dialect dialect() { return dialect; }

    public int maxFrameSize() { return maxFrameSize; }

    public Codec withMaxFrameSize(int size) { return new Codec(dialect, size); }

    /** The whole frame in one buffer (bulk data copied in); convenient, but see {@link #encodeParts}. */
    public ByteBuffer encode(Message m) throws ProtocolException {
        ByteBuffer[] parts = encodeParts(m);
        if (parts.length == 1) return parts[0];
        ByteBuffer all = ByteBuffer.allocate(parts[0].remaining() + parts[1].remaining()).order(ByteOrder.LITTLE_ENDIAN);
        all.put(parts[0]).put(parts[1]).flip();
        return all;
    }

    /**
     * The frame as buffers to write in order with a gathering write: the fixed part, then for
     * Rread/Twrite the caller's data itself, so bulk data is never copied.
     */
    public ByteBuffer[] encodeParts(Message m) throws ProtocolException {
        WireWriter w = new WireWriter(64);
        w.u32(0).u8(m.type().code()).u16(m.tag());
        ByteBuffer payload = writeBody(w, m);
        long size = (long) w.length() + (payload == null ? 0 : payload.remaining());
        if (size > maxFrameSize)
            throw new ProtocolException(m.type().displayName() + " of " + size + " bytes exceeds the maximum frame size " + maxFrameSize);
        w.patchU32(0, (int) size);
        return payload == null ? new ByteBuffer[]{w.toBuffer()} : new ByteBuffer[]{w.toBuffer(), payload};
    }

    /** Writes the body and returns the bulk data that follows it, if any. */
    private ByteBuffer writeBody(WireWriter w, Message m) throws ProtocolException {
        boolean u = dialect == Dialect.P9_2000_U;
        switch (m) {
            case Tversion t -> w.u32(t.msize()).string(t.version(), "version");
            case Rversion r -> w.u32(r.msize()).string(r.version(), "version");
            case Tauth t -> {
                w.u32(t.afid()).string(t.uname(), "uname").string(t.aname(), "aname");
                if (u) w.u32(t.nUname());
            }
            case Rauth r -> w.qid(r.aqid());
            case Tattach t -> {
                w.u32(t.fid()).u32(t.afid()).string(t.uname(), "uname").string(t.aname(), "aname");
                if (u) w.u32(t.nUname());
            }
            case Rattach r -> w.qid(r.qid());
            case Rerror r -> {
                w.string(r.ename(), "ename");
                if (u) w.u32(r.errno());
            }
            case Tflush t -> w.u16(t.oldtag());
            case Rflush _, Rclunk _, Rremove _, Rwstat _ -> { }
            case Twalk t -> {
                w.u32(t.fid()).u32(t.newfid()).u16(t.names().size());
                for (String n : t.names()) w.string(n, "walk name");
            }
            case Rwalk r -> {
                w.u16(r.qids().size());
                for (Qid q : r.qids()) w.qid(q);
            }
            case Topen t -> w.u32(t.fid()).u8(t.mode());
            case Ropen r -> w.qid(r.qid()).u32(r.iounit());
            case Tcreate t -> {
                w.u32(t.fid()).string(t.name(), "name").u32(t.perm()).u8(t.mode());
                if (u) w.string(t.extension(), "extension");
            }
            case Rcreate r -> w.qid(r.qid()).u32(r.iounit());
            case Tread t -> w.u32(t.fid()).u64(t.offset()).u32(t.count());
            case Rread r -> {
                w.u32(r.count());
                return r.data();
            }
            case Twrite t -> {
                w.u32(t.fid()).u64(t.offset()).u32(t.count());
                return t.data();
            }
            case Rwrite r -> w.u32(r.count());
            case Tclunk t -> w.u32(t.fid());
            case Tremove t -> w.u32(t.fid());
            case Tstat t -> w.u32(t.fid());
            case Rstat r -> writeSizedStat(w, r.stat());
            case Twstat t -> writeSizedStat(w, t.fid(), t.stat());
        }
        return null;
    }

    private void writeSizedStat(WireWriter w, int fid, Stat s) throws ProtocolException {
        w.u32(fid);
        writeSizedStat(w, s);
    }

    /** Rstat and Twstat wrap the stat in a second size: n[2] stat[n], where stat itself begins with size[2]. */
    private void writeSizedStat(WireWriter w, Stat s) throws ProtocolException {
        int at = w.length();
        w.u16(0);
        StatCodec.write(w, s, dialect);
        w.patchU16(at, w.length() - at - 2);
    }

    /**
     * Decodes one complete frame, size field included. Rread/Twrite data in the result shares
     * {@code frame}'s memory.
     */
    public Message decode(ByteBuffer frame) throws ProtocolException {
        ByteBuffer b = frame.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER_SIZE)
            throw new ProtocolException("frame of " + b.remaining() + " bytes is shorter than the 7-byte header");
        long size = Integer.toUnsignedLong(b.getInt(0));
        if (size != b.remaining())
            throw new ProtocolException("frame size field says " + size + " bytes but the frame has " + b.remaining());
        if (size > maxFrameSize)
            throw new ProtocolException("frame of " + size + " bytes exceeds the maximum frame size " + maxFrameSize);
        int code = b.get(4) & 0xFF;
        int tag = b.getShort(5) & 0xFFFF;
        MessageType type = MessageType.ofCode(code);
        if (type == null) throw new ProtocolException("unknown message type " + code);
        WireReader r = new WireReader(b.position(HEADER_SIZE), type.displayName());
        Message m = readBody(r, type, tag);
        r.expectEnd();
        return m;
    }

    private Message readBody(WireReader r, MessageType type, int tag) throws ProtocolException {
        boolean u = dialect == Dialect.P9_2000_U;
        return switch (type) {
            case TVERSION -> new Tversion(tag, r.u32("msize"), r.string("version"));
            case RVERSION -> new Rversion(tag, r.u32("msize"), r.string("version"));
            case TAUTH -> new Tauth(tag, r.u32("afid"), r.string("uname"), r.string("aname"),
                    u ? r.u32("n_uname") : Tattach.NONUNAME);
            case RAUTH -> new Rauth(tag, r.qid("aqid"));
            case TATTACH -> new Tattach(tag, r.u32("fid"), r.u32("afid"), r.string("uname"), r.string("aname"),
                    u ? r.u32("n_uname") : Tattach.NONUNAME);
            case RATTACH -> new Rattach(tag, r.qid("qid"));
            case RERROR -> new Rerror(tag, r.string("ename"), u ? r.u32("errno") : 0);
            case TFLUSH -> new Tflush(tag, r.u16("oldtag"));
            case RFLUSH -> new Rflush(tag);
            case TWALK -> readTwalk(r, tag);
            case RWALK -> readRwalk(r, tag);
            case TOPEN -> new Topen(tag, r.u32("fid"), r.u8("mode"));
            case ROPEN -> new Ropen(tag, r.qid("qid"), r.u32("iounit"));
            case TCREATE -> new Tcreate(tag, r.u32("fid"), r.string("name"), r.u32("perm"), r.u8("mode"),
                    u ? r.string("extension") : "");
            case RCREATE -> new Rcreate(tag, r.qid("qid"), r.u32("iounit"));
            case TREAD -> new Tread(tag, r.u32("fid"), r.u64("offset"), r.u32("count"));
            case RREAD -> new Rread(tag, r.bytes(Integer.toUnsignedLong(r.u32("count")), "data"));
            case TWRITE -> new Twrite(tag, r.u32("fid"), r.u64("offset"),
                    r.bytes(Integer.toUnsignedLong(r.u32("count")), "data"));
            case RWRITE -> new Rwrite(tag, r.u32("count"));
            case TCLUNK -> new Tclunk(tag, r.u32("fid"));
            case RCLUNK -> new Rclunk(tag);
            case TREMOVE -> new Tremove(tag, r.u32("fid"));
            case RREMOVE -> new Rremove(tag);
            case TSTAT -> new Tstat(tag, r.u32("fid"));
            case RSTAT -> new Rstat(tag, readSizedStat(r));
            case TWSTAT -> new Twstat(tag, r.u32("fid"), readSizedStat(r));
            case RWSTAT -> new Rwstat(tag);
        };
    }

    private static Twalk readTwalk(WireReader r, int tag) throws ProtocolException {
        int fid = r.u32("fid"), newfid = r.u32("newfid");
        int n = r.u16("nwname");
        if (n > Message.MAXWELEM) throw r.error(n + " walk elements exceed the maximum of " + Message.MAXWELEM);
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) names.add(r.string("wname[" + i + "]"));
        return new Twalk(tag, fid, newfid, names);
    }

    private static Rwalk readRwalk(WireReader r, int tag) throws ProtocolException {
        int n = r.u16("nwqid");
        if (n > Message.MAXWELEM) throw r.error(n + " walk qids exceed the maximum of " + Message.MAXWELEM);
        List<Qid> qids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) qids.add(r.qid("wqid[" + i + "]"));
        return new Rwalk(tag, qids);
    }

    private Stat readSizedStat(WireReader r) throws ProtocolException {
        int n = r.u16("stat length");
        if (n != r.remaining())
            throw r.error("stat size mismatch: length " + n + " but " + r.remaining() + " bytes follow");
        return StatCodec.read(r, dialect);
    }

    // ---- stats outside messages: directory reads are a sequence of encoded stats ----

    /** The encoded stat (size[2] included), as it appears in directory read data. */
    public static ByteBuffer encodeStat(Stat stat, Dialect dialect) throws ProtocolException {
        WireWriter w = new WireWriter(64 + stat.name().length());
        StatCodec.write(w, stat, dialect);
        return w.toBuffer();
    }

    /** Bytes {@link #encodeStat} produces for {@code stat}. */
    public static int statSize(Stat stat, Dialect dialect) throws ProtocolException {
        return encodeStat(stat, dialect).remaining();
    }

    /** Decodes one stat at {@code in}'s position and advances past it. */
    public static Stat decodeStat(ByteBuffer in, Dialect dialect) throws ProtocolException {
        WireReader r = new WireReader(in, "stat");
        Stat s = StatCodec.read(r, dialect);
        in.position(in.position() + in.remaining() - r.remaining());
        return s;
    }

    /** Decodes directory read data: stats back to back, to the end of {@code data}. */
    public static List<Stat> decodeStats(ByteBuffer data, Dialect dialect) throws ProtocolException {
        ByteBuffer in = data.duplicate();
        List<Stat> out = new ArrayList<>();
        while (in.hasRemaining()) out.add(decodeStat(in, dialect));
        return out;
    }
}
