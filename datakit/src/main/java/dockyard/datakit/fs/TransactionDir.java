package dockyard.datakit.fs;

import dockyard.datakit.store.Transaction;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code branch/B/transactions/NAME/}: {@code rw/} to edit, {@code msg}, {@code parents},
 * {@code ctl} (write {@code commit} or {@code close}), {@code merge} (write a commit id),
 * {@code origin} (the head it started from) and {@code diff/}; during a merge also
 * {@code ours/ theirs/ base/} and {@code conflicts}. A committed or closed transaction disappears.
 */
final class TransactionDir extends DirNode {
    private final Session.Tx entry;
    private final Transaction tx;

    TransactionDir(Ctx ctx, Session.Tx entry) {
        super(ctx, entry.tx().name(), entry.key());
        this.entry = entry;
        this.tx = entry.tx();
    }

    @Override public Stat stat() throws P9Error {
        if (tx.finished()) throw Errors.noEntry();
        return super.stat();
    }

    @Override public List<Node> children() {
        List<Node> out = new ArrayList<>(List.of(
                new WorkDir(ctx, tx, key, ""),
                new ValueFile(ctx, "msg", childKey("msg"), tx::message, tx::setMessage),
                new ValueFile(ctx, "parents", childKey("parents"), tx::parentsText, v -> Errors.commandRun(() -> tx.setParents(v))),
                new CommandFile(ctx, "ctl", childKey("ctl"), this::control),
                new CommandFile(ctx, "merge", childKey("merge"), arg -> {
                    ObjectId id = Errors.call(() -> ctx.store().resolveCommit(arg));
                    List<String> conflicts = Errors.command(() -> tx.merge(id));
                    return conflicts.isEmpty() ? "" : String.join("\n", conflicts) + "\n";
                }),
                new TextFile(ctx, "origin", childKey("origin"), () -> tx.origin() == null ? "" : tx.origin().name() + "\n"),
                new DiffDir(ctx, childKey("diff"), tx::writeTree)));
        Transaction.MergeState m = tx.mergeState();
        if (m != null) {
            out.add(new GitTreeDir(ctx, "ours", childKey("ours"), m.ours()));
            out.add(new GitTreeDir(ctx, "theirs", childKey("theirs"), m.theirs()));
            out.add(new GitTreeDir(ctx, "base", childKey("base"), m.base()));
            out.add(new TextFile(ctx, "conflicts", childKey("conflicts"), () -> {
                StringBuilder sb = new StringBuilder();
                for (String c : tx.conflicts()) sb.append(c).append('\n');
                return sb.toString();
            }));
        }
        return out;
    }

    private String control(String command) throws P9Error {
        switch (command) {
            case "commit" -> {
                ObjectId id = Errors.command(tx::commit);
                ctx.session().remove(tx.branch(), tx.name());
                return id.name() + "\n";
            }
            case "close" -> {
                tx.close();
                ctx.session().remove(tx.branch(), tx.name());
                return "";
            }
            // the original's exact wording
            default -> throw P9Error.invalid("Unknown command \"" + command + "\"");
        }
    }

    /** rmdir of a transaction abandons it, like writing close to ctl. */
    @Override public void remove() {
        tx.close();
        ctx.session().remove(tx.branch(), tx.name());
    }
}
