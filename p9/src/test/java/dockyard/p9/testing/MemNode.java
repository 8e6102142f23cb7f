package dockyard.p9.testing;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

/** What files and directories of {@link MemFs} share: a name, a parent, removal and renaming. */
public abstract sealed class MemNode implements Node permits MemDir, MemFile, StreamFile {
    final MemFs fs;
    final long path;
    volatile String name;
    volatile MemDir parent;

    MemNode(MemFs fs, String name, MemDir parent) {
        this.fs = fs;
        this.path = fs.newPath();
        this.name = name;
        this.parent = parent;
    }

    public String name() { return name; }

    @Override
    public void remove() throws P9Error {
        MemDir p = parent;
        if (p == null) throw new P9Error(P9Error.EBUSY, "cannot remove the root");
        p.detach(this);
    }

    @Override
    public void wstat(Stat change) throws P9Error {
        if (change.changesMode()) throw P9Error.permission("modes are fixed in MemFs");
        if (change.changesLength()) truncate(change.length());
        if (change.changesName() && !change.name().equals(name)) {
            MemDir p = parent;
            if (p == null) throw new P9Error(P9Error.EBUSY, "cannot rename the root");
            p.rename(this, change.name());
        }
    }

    void truncate(long length) throws P9Error { throw P9Error.invalid("cannot set the length of " + name); }
}
