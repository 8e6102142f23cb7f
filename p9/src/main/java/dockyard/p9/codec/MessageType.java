package dockyard.p9.codec;

/** The type byte of a frame. Terror (106) is deliberately absent: it is not a valid message. */
public enum MessageType {
    TVERSION(100), RVERSION(101), TAUTH(102), RAUTH(103), TATTACH(104), RATTACH(105), RERROR(107),
    TFLUSH(108), RFLUSH(109), TWALK(110), RWALK(111), TOPEN(112), ROPEN(113), TCREATE(114), RCREATE(115),
    TREAD(116), RREAD(117), TWRITE(118), RWRITE(119), TCLUNK(120), RCLUNK(121), TREMOVE(122), RREMOVE(123),
    TSTAT(124), RSTAT(125), TWSTAT(126), RWSTAT(127);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) BY_CODE[t.code] = t;
    }

    private final int code;

    MessageType(int code) { this.code = code; }

    public int code() { return code; }

    /** The type with wire code {@code code} (0-255), or null when there is none. */
    public static MessageType ofCode(int code) { return code >= 0 && code < 256 ? BY_CODE[code] : null; }

    /** The conventional name: "Tversion", "Rread", ... */
    public String displayName() { return name().charAt(0) + name().substring(1).toLowerCase(); }

    static MessageType of(Message m) {
        return switch (m) {
            case Tversion _ -> TVERSION;
            case Rversion _ -> RVERSION;
            case Tauth _ -> TAUTH;
            case Rauth _ -> RAUTH;
            case Tattach _ -> TATTACH;
            case Rattach _ -> RATTACH;
            case Rerror _ -> RERROR;
            case Tflush _ -> TFLUSH;
            case Rflush _ -> RFLUSH;
            case Twalk _ -> TWALK;
            case Rwalk _ -> RWALK;
            case Topen _ -> TOPEN;
            case Ropen _ -> ROPEN;
            case Tcreate _ -> TCREATE;
            case Rcreate _ -> RCREATE;
            case Tread _ -> TREAD;
            case Rread _ -> RREAD;
            case Twrite _ -> TWRITE;
            case Rwrite _ -> RWRITE;
            case Tclunk _ -> TCLUNK;
            case Rclunk _ -> RCLUNK;
            case Tremove _ -> TREMOVE;
            case Rremove _ -> RREMOVE;
            case Tstat _ -> TSTAT;
            case Rstat _ -> RSTAT;
            case Twstat _ -> TWSTAT;
            case Rwstat _ -> RWSTAT;
        };
    }
}
