package dockyard.p9.codec;

import dockyard.p9.Stat;

import java.util.Objects;

/** The attributes of a file. */
public record Rstat(int tag, Stat stat) implements Response {
    public Rstat {
        Message.checkTag(tag);
        Objects.requireNonNull(stat, "stat");
    }
}
