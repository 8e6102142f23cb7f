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

    /**
     * A file the server computes (head, ro/ files, streams) cannot be renamed (its directory
     * refuses), truncated, chmod-ed or removed; writable kinds override these.
     */
    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName()) throw Errors.readOnlyDirectory();
        if (change.changesLength() || change.changesMode()) throw Errors.readOnlyFile();
    }

    @Override public void remove() throws P9Error { throw Errors.readOnlyFile(); }
}
