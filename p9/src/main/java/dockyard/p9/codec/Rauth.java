package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.util.Objects;

/** The qid of the authentication file. */
public record Rauth(int tag, Qid aqid) implements Response {
    public Rauth {
        Message.checkTag(tag);
        Objects.requireNonNull(aqid, "aqid");
    }
}
