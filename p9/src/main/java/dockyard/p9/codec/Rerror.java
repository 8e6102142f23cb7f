package dockyard.p9.codec;

/** A failed request. {@code errno} is on the wire only in 9P2000.u; plain 9P2000 decodes it as 0. */
public record Rerror(int tag, String ename, int errno) implements Response {
    public Rerror {
        Message.checkTag(tag);
        ename = ename == null ? "" : ename;
    }
}
