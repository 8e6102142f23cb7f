package dockyard.p9.codec;

/** Confirms a removal. */
public record Rremove(int tag) implements Response {
    public Rremove {
        Message.checkTag(tag);
    }
}
