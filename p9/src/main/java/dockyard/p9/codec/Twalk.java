package dockyard.p9.codec;

import java.util.List;

/**
 * Walks from {@code fid} through {@code names} (at most {@link Message#MAXWELEM}) and binds the result
 * to {@code newfid}; no names clones the fid.
 */
public record Twalk(int tag, int fid, int newfid, List<String> names) implements Request {
    public Twalk {
        Message.checkTag(tag);
        names = List.copyOf(names);
        if (names.size() > MAXWELEM)
            throw new IllegalArgumentException(names.size() + " walk elements exceed the maximum of " + MAXWELEM);
    }
}
