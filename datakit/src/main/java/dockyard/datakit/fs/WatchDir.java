package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.TreeEntry;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code branch/B/watch/} and its {@code NAME.node/} subdirectories: each holds {@code tree.live}
 * for its path. Listing suggests the {@code .node} dirs of paths that exist now; any path can be walked.
 */
final class WatchDir extends DirNode {
    private static final String SUFFIX = ".node";
    private final String branch;
    private final String path;

    WatchDir(Ctx ctx, String branch, String path, String key) {
        super(ctx, path.isEmpty() ? "watch" : path.substring(path.lastIndexOf('/') + 1) + SUFFIX, key);
        this.branch = branch;
        this.path = path;
    }

    @Override public List<Node> children() throws P9Error {
        List<Node> out = new ArrayList<>();
        out.add(treeLive());
        Optional<ObjectId> head = ctx.store().head(branch);
        if (head.isPresent()) {
            ObjectId tree = Errors.call(() -> ctx.store().treeOf(head.get()));
            Optional<TreeEntry> here = Errors.call(() -> ctx.store().lookup(tree, path));
            if (here.isPresent() && here.get().kind() == EntryKind.DIRECTORY)
                for (TreeEntry e : Errors.call(() -> ctx.store().readTree(here.get().id())))
                    out.add(sub(e.name()));
        }
        return out;
    }

    @Override public Node walk(String child) throws P9Error {
        if (child.equals("tree.live")) return treeLive();
        if (child.endsWith(SUFFIX) && child.length() > SUFFIX.length()) return sub(child.substring(0, child.length() - SUFFIX.length()));
        throw Errors.noEntry();
    }

    private Node treeLive() {
        return new StreamFile(ctx, "tree.live", childKey("tree.live"), () -> Cursors.treeLive(ctx.store(), branch, path));
    }

    private Node sub(String name) {
        return new WatchDir(ctx, branch, path.isEmpty() ? name : path + "/" + name, childKey(name + SUFFIX));
    }
}
