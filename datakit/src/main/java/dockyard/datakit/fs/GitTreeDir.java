package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.TreeEntry;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A read-only view of a stored git tree (ro/, snapshots, trees/, ours/theirs/base). Null is an empty tree. */
final class GitTreeDir extends DirNode {
    private final ObjectId tree;

    GitTreeDir(Ctx ctx, String name, String key, ObjectId tree) {
        super(ctx, name, key);
        this.tree = tree;
    }

    @Override int perm() { return 0555; }

    @Override public List<Node> children() throws P9Error {
        List<Node> out = new ArrayList<>();
        if (tree != null) for (TreeEntry e : Errors.call(() -> ctx.store().readTree(tree))) out.add(nodeFor(e));
        return out;
    }

    @Override public Node walk(String child) throws P9Error {
        if (tree == null) throw Errors.noEntry();
        Optional<TreeEntry> e = Errors.call(() -> ctx.store().lookup(tree, child));
        if (e.isEmpty() || child.contains("/")) throw Errors.noEntry();
        return nodeFor(e.get());
    }

    private Node nodeFor(TreeEntry e) {
        return e.kind() == EntryKind.DIRECTORY ? new GitTreeDir(ctx, e.name(), childKey(e.name()), e.id())
                : new GitBlobFile(ctx, e.name(), childKey(e.name()), e);
    }
}
