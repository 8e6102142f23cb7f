package dockyard.p9.codec;

import dockyard.p9.Qid;

import java.util.List;

/** The qids of the elements walked; fewer than requested means the walk stopped at a missing element. */
public record Rwalk(int tag, List<Qid> qids) implements Response {
    public Rwalk {
        Message.checkTag(tag);
        qids = List.copyOf(qids);
        if (qids.size() > MAXWELEM)
            throw new IllegalArgumentException(qids.size() + " walk qids exceed the maximum of " + MAXWELEM);
    }
}
