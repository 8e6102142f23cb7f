package dockyard.p9;

/** The mode byte of Topen/Tcreate. */
public final class OpenMode {
    public static final int OREAD = 0, OWRITE = 1, ORDWR = 2, OEXEC = 3;
    public static final int OTRUNC = 0x10, OCEXEC = 0x20, ORCLOSE = 0x40, OAPPEND = 0x80, OEXCL = 0x1000;

    private OpenMode() {}

    /** The access part: one of OREAD, OWRITE, ORDWR, OEXEC. */
    public static int access(int mode) { return mode & 3; }
    public static boolean writes(int mode) { int a = access(mode); return a == OWRITE || a == ORDWR; }
    public static boolean reads(int mode) { int a = access(mode); return a == OREAD || a == ORDWR || a == OEXEC; }
    public static boolean truncates(int mode) { return (mode & OTRUNC) != 0; }
}
