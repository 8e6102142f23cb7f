package dockyard.p9.codec;

import java.util.Objects;

/** Proposes the largest message size and a protocol version; always tagged NOTAG. */
public record Tversion(int tag, int msize, String version) implements Request {
    public Tversion {
        Message.checkTag(tag);
        Objects.requireNonNull(version, "version");
    }
}
