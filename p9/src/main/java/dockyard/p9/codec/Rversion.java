package dockyard.p9.codec;

import java.util.Objects;

/** The negotiated message size and version ("unknown" when refused). */
public record Rversion(int tag, int msize, String version) implements Response {
    public Rversion {
        Message.checkTag(tag);
        Objects.requireNonNull(version, "version");
    }
}
