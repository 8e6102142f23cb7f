package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * {@code diff/}: looks empty; {@code diff/COMMIT} lists what changed from COMMIT to the current
 * tree, one {@code + path}, {@code - path} or {@code * path} per line.
 */
final class DiffDir extends DirNode {
    @FunctionalInterface interface CurrentTree { ObjectId get() throws dockyard.datakit.store.DataKitException; }

    private final CurrentTree current;

    DiffDir(Ctx ctx, String key, CurrentTree current) {
        super(ctx, "diff", key);
        this.current = current;
    }

    @Override int perm() { return 0555; }

    @Override public List<Node> children() { return List.of(); }

    @Override public Node walk(String commit) throws P9Error {
        ObjectId id = commitNamed(commit);
        return new TextFile(ctx, commit, childKey(commit), () -> {
            StringBuilder sb = new StringBuilder();
            for (String line : Errors.call(() -> ctx.store().diff(ctx.store().treeOf(id), current.get())))
                sb.append(line).append('\n');
            return sb.toString();
        });
    }
}
