package dockyard.p9.codec;

/** Removes the file of {@code fid} and clunks it, whether or not the removal succeeds. */
public record Tremove(int tag, int fid) implements Request {
    public Tremove {
        Message.checkTag(tag);
    }
}
