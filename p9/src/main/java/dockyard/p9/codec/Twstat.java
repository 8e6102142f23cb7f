package dockyard.p9.codec;

import dockyard.p9.Stat;

import java.util.Objects;

/** Changes attributes; fields holding "don't touch" values stay as they are. */
public record Twstat(int tag, int fid, Stat stat) implements Request {
    public Twstat {
        Message.checkTag(tag);
        Objects.requireNonNull(stat, "stat");
    }
}
