package dockyard.p9.codec;

/** Aborts the request tagged {@code oldtag}. */
public record Tflush(int tag, int oldtag) implements Request {
    public Tflush {
        Message.checkTag(tag);
        Message.checkTag(oldtag);
    }
}
