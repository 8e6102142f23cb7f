package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

import java.util.List;

/** A directory: its children come from {@link #children()}; walk finds a child by name. */
abstract class DirNode implements Node {
    protected final Ctx ctx;
    protected final String name;
    protected final String key;

    DirNode(Ctx ctx, String name, String key) {
        this.ctx = ctx;
        this.name = name;
        this.key = key;
    }

    int perm() { return 0755; }

    @Override public Stat stat() throws P9Error {
        return Stat.of(Qids.dir(key), name, Stat.DMDIR | perm(), 0, ctx.epoch());
    }

    @Override public abstract List<Node> children() throws P9Error;

    @Override public Node walk(String child) throws P9Error {
        for (Node n : children()) if (n.stat().name().equals(child)) return n;
        throw Errors.noEntry();
    }

    String childKey(String child) { return key + "/" + child; }

    /** Directories whose entries the server makes refuse creates, removals and renames as the original does. */
    @Override public Node create(String name, int perm, int mode, String extension) throws P9Error {
        throw Errors.readOnlyDirectory();
    }

    @Override public void remove() throws P9Error { throw Errors.readOnlyDirectory(); }

    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName() || change.changesLength() && change.length() != 0) throw Errors.readOnlyDirectory();
        // mode and times of a synthetic directory: accepted and ignored, so `touch` and `cp -p` work
    }

    /** Resolves a directory entry named by a commit id; a name that is not one is simply absent. */
    org.eclipse.jgit.lib.ObjectId commitNamed(String child) throws P9Error {
        try {
            return ctx.store().resolveCommit(child);
        } catch (dockyard.datakit.store.DataKitException e) {
            throw Errors.noEntry();
        }
    }
}
