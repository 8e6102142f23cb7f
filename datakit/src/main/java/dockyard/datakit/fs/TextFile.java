package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.OpenFile;

import java.nio.charset.StandardCharsets;

/** A read-only file computed when opened: head, hash, msg, parents, conflicts, diffs. */
final class TextFile extends FileNode {
    @FunctionalInterface interface Content { String get() throws P9Error; }

    private final Content content;

    TextFile(Ctx ctx, String name, String key, Content content) {
        super(ctx, name, key);
        this.content = content;
    }

    @Override int perm() { return 0444; }

    @Override long length() throws P9Error { return content.get().getBytes(StandardCharsets.UTF_8).length; }

    /** Any open mode is accepted, as by the original (go-datakit opens head read-write); writes are refused. */
    @Override public OpenFile open(int mode) throws P9Error {
        return new BytesOpen(content.get().getBytes(StandardCharsets.UTF_8));
    }
}
