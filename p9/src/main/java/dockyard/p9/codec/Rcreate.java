package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.util.Objects;

/** The created file's qid and iounit. */
public record Rcreate(int tag, Qid qid, int iounit) implements Response {
    public Rcreate {
        Message.checkTag(tag);
        Objects.requireNonNull(qid, "qid");
    }
}
