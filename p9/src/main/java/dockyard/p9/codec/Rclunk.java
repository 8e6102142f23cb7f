package dockyard.p9.codec;

/** Confirms a clunk. */
public record Rclunk(int tag) implements Response {
    public Rclunk {
        Message.checkTag(tag);
    }
}
