package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/** {@code branch/NAME/ro/}: a live read-only view of the branch head's tree, resolved on each call. */
final class HeadTreeDir extends DirNode {
    private final String branch;

    HeadTreeDir(Ctx ctx, String branch, String key) {
        super(ctx, "ro", key);
        this.branch = branch;
    }

    @Override int perm() { return 0555; }

    private GitTreeDir current() throws P9Error {
        ObjectId head = ctx.store().head(branch).orElse(null);
        return new GitTreeDir(ctx, "ro", key, Errors.call(() -> ctx.store().treeOf(head)));
    }

    @Override public List<Node> children() throws P9Error { return current().children(); }

    @Override public Node walk(String child) throws P9Error { return current().walk(child); }
}
