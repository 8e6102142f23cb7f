package dockyard.datakit.fs;

import dockyard.datakit.store.CommitInfo;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * {@code commits/}: looks empty; {@code commits/COMMIT} is a file describing the commit as
 * {@code git cat-file -p} would (tree, parents, author, blank line, message).
 */
final class CommitsDir extends DirNode {
    CommitsDir(Ctx ctx) { super(ctx, "commits", "commits"); }

    @Override int perm() { return 0555; }

    @Override public List<Node> children() { return List.of(); }

    @Override public Node walk(String commit) throws P9Error {
        ObjectId id = commitNamed(commit);
        return new TextFile(ctx, commit, childKey(id.name()), () -> {
            CommitInfo c = Errors.call(() -> ctx.store().commitInfo(id));
            StringBuilder sb = new StringBuilder("tree ").append(c.tree().name()).append('\n');
            for (ObjectId p : c.parents()) sb.append("parent ").append(p.name()).append('\n');
            sb.append("author ").append(c.author()).append(' ').append(c.commitTime()).append("\n\n").append(c.message());
            return sb.toString();
        });
    }
}
