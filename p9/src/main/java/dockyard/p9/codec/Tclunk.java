package dockyard.p9.codec;

/** Forgets {@code fid}. */
public record Tclunk(int tag, int fid) implements Request {
    public Tclunk {
        Message.checkTag(tag);
    }
}
