package dockyard.p9;

/**
 * The server's unique identification of a file: 13 bytes on the wire.
 * {@code path} must be unique among the files of one server (the Linux client turns it into the inode
 * number), {@code version} changes when the file's content does.
 */
public record Qid(byte type, int version, long path) {
    public static final byte QTDIR = (byte) 0x80;
    public static final byte QTAPPEND = 0x40;
    public static final byte QTEXCL = 0x20;
    public static final byte QTAUTH = 0x08;
    public static final byte QTTMP = 0x04;
    public static final byte QTSYMLINK = 0x02;
    public static final byte QTFILE = 0x00;

    public static Qid dir(long path) { return new Qid(QTDIR, 0, path); }

    public static Qid file(long path) { return new Qid(QTFILE, 0, path); }

    public boolean isDir() { return (type & QTDIR) != 0; }
}
