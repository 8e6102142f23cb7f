package dockyard.datakit.fs;

import dockyard.datakit.store.CommitInfo;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * {@code snapshots/}: always looks empty; {@code snapshots/COMMIT/} exists for any commit and
 * holds {@code ro/ hash msg parents diff/}.
 */
final class SnapshotsDir extends DirNode {
    SnapshotsDir(Ctx ctx) { super(ctx, "snapshots", "snapshots"); }

    @Override int perm() { return 0555; }

    @Override public List<Node> children() { return List.of(); }

    @Override public Node walk(String commit) throws P9Error {
        ObjectId id = commitNamed(commit);
        CommitInfo info = Errors.call(() -> ctx.store().commitInfo(id));
        String k = childKey(id.name());
        return new DirNode(ctx, commit, k) {
            @Override int perm() { return 0555; }

            @Override public List<Node> children() {
                return List.of(
                        new GitTreeDir(ctx, "ro", k + "/ro", info.tree()),
                        new TextFile(ctx, "hash", k + "/hash", () -> info.id().name()), // no newline, as the original
                        new TextFile(ctx, "msg", k + "/msg", info::message),
                        new TextFile(ctx, "parents", k + "/parents", info::parentsText),
                        new DiffDir(ctx, k + "/diff", info::tree));
            }
        };
    }
}
