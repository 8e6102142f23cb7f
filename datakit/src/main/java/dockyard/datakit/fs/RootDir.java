package dockyard.datakit.fs;

import dockyard.p9.vfs.Node;

import java.util.List;

/** The top of the tree: {@code branch/ commits/ remotes/ snapshots/ trees/}. */
final class RootDir extends DirNode {
    private final Shared shared;

    RootDir(Ctx ctx, Shared shared) {
        super(ctx, "/", "");
        this.shared = shared;
    }

    @Override public List<Node> children() {
        return List.of(new BranchesDir(ctx), new CommitsDir(ctx), new RemotesDir(ctx, shared), new SnapshotsDir(ctx), new TreesDir(ctx));
    }
}
