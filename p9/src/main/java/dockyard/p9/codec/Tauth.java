package dockyard.p9.codec;

import java.util.Objects;

/** Asks for an authentication fid. {@code nUname} exists only in 9P2000.u ({@link Tattach#NONUNAME} when unset). */
public record Tauth(int tag, int afid, String uname, String aname, int nUname) implements Request {
    public Tauth {
        Message.checkTag(tag);
        Objects.requireNonNull(uname, "uname");
        Objects.requireNonNull(aname, "aname");
    }
}
