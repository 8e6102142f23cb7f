package dockyard.p9.codec;

/** Confirms a wstat. */
public record Rwstat(int tag) implements Response {
    public Rwstat {
        Message.checkTag(tag);
    }
}
