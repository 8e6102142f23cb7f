package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.util.Objects;

/** The qid of the attached root. */
public record Rattach(int tag, Qid qid) implements Response {
    public Rattach {
        Message.checkTag(tag);
        Objects.requireNonNull(qid, "qid");
    }
}
