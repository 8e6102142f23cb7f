package dockyard.p9.testing;

import dockyard.p9.P9Error;
import dockyard.p9.Qid;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class MemDir extends MemNode {
    private final Map<String, MemNode> children = new LinkedHashMap<>();

    MemDir(MemFs fs, String name, MemDir parent) { super(fs, name, parent); }

    @Override
    public Stat stat() { return Stat.of(Qid.dir(path), name, Stat.DMDIR | 0755, 0, 0); }

    @Override
    public synchronized Node walk(String name) throws P9Error {
        MemNode n = children.get(name);
        if (n == null) throw P9Error.noSuchFile(name);
        return n;
    }

    @Override
    public synchronized List<Node> children() { return List.copyOf(children.values()); }

    @Override
    public synchronized Node create(String name, int perm, int mode, String extension) throws P9Error {
        if (children.containsKey(name)) throw P9Error.exists(name);
        MemNode n = (perm & Stat.DMDIR) != 0 ? new MemDir(fs, name, this) : new MemFile(fs, name, this);
        children.put(name, n);
        return n;
    }

    @Override
    public synchronized void remove() throws P9Error {
        if (!children.isEmpty()) throw new P9Error(P9Error.ENOTEMPTY, "directory not empty: " + name);
        super.remove();
    }

    synchronized MemNode child(String name) { return children.get(name); }

    synchronized <T extends MemNode> T add(T n) {
        children.put(n.name, n);
        return n;
    }

    synchronized void detach(MemNode n) throws P9Error {
        if (children.get(n.name) != n) throw P9Error.noSuchFile(n.name);
        children.remove(n.name);
        n.parent = null;
    }

    synchronized void rename(MemNode n, String newName) throws P9Error {
        if (children.containsKey(newName)) throw P9Error.exists(newName);
        children.remove(n.name);
        n.name = newName;
        children.put(newName, n);
    }
}
