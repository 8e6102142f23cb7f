package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

import java.util.ArrayList;
import java.util.List;

/** {@code branch/}: one directory per branch; mkdir creates a branch, rmdir deletes one. */
final class BranchesDir extends DirNode {
    BranchesDir(Ctx ctx) { super(ctx, "branch", "branch"); }

    @Override public List<Node> children() {
        List<Node> out = new ArrayList<>();
        for (String b : ctx.store().branches()) out.add(new BranchDir(ctx, b));
        return out;
    }

    @Override public Node walk(String name) throws P9Error {
        if (!ctx.store().branchExists(name)) throw Errors.noEntry();
        return new BranchDir(ctx, name);
    }

    @Override public Node create(String name, int perm, int mode, String extension) throws P9Error {
        if ((perm & Stat.DMDIR) == 0) throw Errors.directoriesOnly();
        // as in the original, making a branch that exists succeeds and opens it
        if (!ctx.store().branchExists(name)) Errors.run(() -> ctx.store().createBranch(name));
        return new BranchDir(ctx, name);
    }
}
