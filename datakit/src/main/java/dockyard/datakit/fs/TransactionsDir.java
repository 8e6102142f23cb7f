package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

import java.util.ArrayList;
import java.util.List;

/** {@code branch/NAME/transactions/}: mkdir starts a transaction from the current head. */
final class TransactionsDir extends DirNode {
    private final String branch;

    TransactionsDir(Ctx ctx, String branch) {
        super(ctx, "transactions", "branch/" + branch + "/transactions");
        this.branch = branch;
    }

    @Override public List<Node> children() {
        List<Node> out = new ArrayList<>();
        for (Session.Tx t : ctx.session().list(branch)) out.add(new TransactionDir(ctx, t));
        return out;
    }

    @Override public Node walk(String name) throws P9Error {
        Session.Tx t = ctx.session().get(branch, name);
        if (t == null) throw Errors.noEntry();
        return new TransactionDir(ctx, t);
    }

    @Override public Node create(String name, int perm, int mode, String extension) throws P9Error {
        if ((perm & Stat.DMDIR) == 0) throw Errors.directoriesOnly();
        return new TransactionDir(ctx, Errors.call(() -> ctx.session().start(ctx.store(), branch, name)));
    }
}
