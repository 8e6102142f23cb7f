package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.TreeEntry;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.nio.charset.StandardCharsets;

/** A stored file: a blob with its kind (executable files show 0755, symlinks their target). */
final class GitBlobFile extends FileNode {
    private final TreeEntry entry;

    GitBlobFile(Ctx ctx, String name, String key, TreeEntry entry) {
        super(ctx, name, key);
        this.entry = entry;
    }

    @Override int perm() { return entry.kind() == EntryKind.EXECUTABLE ? 0555 : 0444; }

    @Override long length() throws P9Error { return Errors.call(() -> ctx.store().objectSize(entry.id())); }

    @Override public Stat stat() throws P9Error {
        if (entry.kind() != EntryKind.SYMLINK) return super.stat();
        String target = new String(Errors.call(() -> ctx.store().readBlob(entry.id())), StandardCharsets.UTF_8);
        return Stat.of(Qids.symlink(key), name, Stat.DMSYMLINK | 0777, target.length(), ctx.epoch()).withExtension(target);
    }

    /** Any open mode is accepted, as by the original; writes are refused. */
    @Override public OpenFile open(int mode) throws P9Error {
        return new BytesOpen(Errors.call(() -> ctx.store().readBlob(entry.id())));
    }
}
