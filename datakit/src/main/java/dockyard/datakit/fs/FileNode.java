package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

/** A file whose stat is its name, a permission and a length that subclasses may know. */
abstract class FileNode implements Node {
    protected final Ctx ctx;
    protected final String name;
    protected final String key;

    FileNode(Ctx ctx, String name, String key) {
        this.ctx = ctx;
        this.name = name;
        this.key = key;
    }

    int perm() { return 0644; }

    /** The length reported by stat; synthetic files that cannot know it cheaply say 0. */
    long length() throws P9Error { return 0; }

    @Override public Stat stat() throws P9Error {
        return Stat.of(Qids.file(key), name, perm(), length(), ctx.epoch());
    }

    /** Truncation is how `echo x > file` starts: accepted by writable files, which handle it on open. */
    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName() || change.changesMode()) throw P9Error.permission("cannot change " + name);
        if (change.changesLength() && change.length() != 0) throw P9Error.invalid("cannot set the length of " + name);
    }
}
