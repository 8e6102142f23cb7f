package dockyard.datakit.fs;

import dockyard.datakit.store.DataKitException;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * {@code branch/NAME/}: {@code head}, {@code head.live}, {@code reflog}, {@code fast-forward},
 * {@code ro/}, {@code transactions/}, {@code watch/}, {@code diff/}. Removing it deletes the
 * branch; renaming it (mv) renames the branch.
 */
final class BranchDir extends DirNode {
    private final String branch;

    BranchDir(Ctx ctx, String branch) {
        super(ctx, branch, "branch/" + branch);
        this.branch = branch;
    }

    @Override public Stat stat() throws P9Error {
        if (!ctx.store().branchExists(branch)) throw Errors.noEntry();
        return super.stat();
    }

    @Override public List<Node> children() {
        return List.of(
                new CommandFile(ctx, "fast-forward", childKey("fast-forward"), arg -> {
                    ObjectId id = Errors.call(() -> ctx.store().resolveCommit(arg));
                    try {
                        ctx.store().fastForward(branch, id);
                    } catch (DataKitException e) {
                        // the original's exact word, which its clients match
                        throw e.kind() == DataKitException.Kind.CONFLICT ? new P9Error(P9Error.EBUSY, "not-fast-forward", e) : Errors.explained(e);
                    }
                    return id.name() + "\n";
                }),
                new TextFile(ctx, "head", childKey("head"),
                        () -> ctx.store().head(branch).map(id -> id.name()).orElse("") + "\n"), // a blank line when no commit, as the original
                new StreamFile(ctx, "head.live", childKey("head.live"), () -> Cursors.headLive(ctx.store(), branch)),
                new StreamFile(ctx, "reflog", childKey("reflog"), () -> Cursors.reflog(ctx.store(), branch)),
                new HeadTreeDir(ctx, branch, childKey("ro")),
                new TransactionsDir(ctx, branch),
                new WatchDir(ctx, branch, "", childKey("watch")),
                new DiffDir(ctx, childKey("diff"), () -> ctx.store().treeOf(ctx.store().head(branch).orElse(null))));
    }

    @Override public void remove() throws P9Error {
        Errors.run(() -> ctx.store().deleteBranch(branch));
    }

    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName() && !change.name().equals(branch))
            Errors.run(() -> ctx.store().renameBranch(branch, change.name()));
    }
}
