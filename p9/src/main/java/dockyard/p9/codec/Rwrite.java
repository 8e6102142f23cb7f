package dockyard.p9.codec;

/** The number of bytes written. */
public record Rwrite(int tag, int count) implements Response {
    public Rwrite {
        Message.checkTag(tag);
    }
}
