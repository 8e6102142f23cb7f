package dockyard.p9.codec;

/** Confirms that the flushed request will get no (further) response. */
public record Rflush(int tag) implements Response {
    public Rflush {
        Message.checkTag(tag);
    }
}
