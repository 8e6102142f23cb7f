package dockyard.p9.codec;

import java.util.Objects;

/** Binds {@code fid} to the root of the tree {@code aname}. {@code nUname} exists only in 9P2000.u. */
public record Tattach(int tag, int fid, int afid, String uname, String aname, int nUname) implements Request {
    /** The n_uname of a 9P2000.u attach that names no numeric user. */
    public static final int NONUNAME = ~0;

    public Tattach {
        Message.checkTag(tag);
        Objects.requireNonNull(uname, "uname");
        Objects.requireNonNull(aname, "aname");
    }
}
