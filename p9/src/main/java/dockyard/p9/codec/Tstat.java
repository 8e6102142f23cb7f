package dockyard.p9.codec;

/** Asks for the attributes of {@code fid}. */
public record Tstat(int tag, int fid) implements Request {
    public Tstat {
        Message.checkTag(tag);
    }
}
