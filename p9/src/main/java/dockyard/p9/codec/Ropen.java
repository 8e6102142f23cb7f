package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.util.Objects;

/** The opened file's qid and the largest I/O the server promises to do atomically (0: msize-24). */
public record Ropen(int tag, Qid qid, int iounit) implements Response {
    public Ropen {
        Message.checkTag(tag);
        Objects.requireNonNull(qid, "qid");
    }
}
