package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.Transaction;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A directory of a transaction's {@code rw/} tree; every call looks the path up afresh. */
final class WorkDir extends DirNode {
    private final Transaction tx;
    private final String txKey;
    private final String path;

    WorkDir(Ctx ctx, Transaction tx, String txKey, String path) {
        super(ctx, path.isEmpty() ? "rw" : path.substring(path.lastIndexOf('/') + 1), txKey + "/rw/" + path);
        this.tx = tx;
        this.txKey = txKey;
        this.path = path;
    }

    static Node of(Ctx ctx, Transaction tx, String txKey, String path, EntryKind kind) {
        return kind == EntryKind.DIRECTORY ? new WorkDir(ctx, tx, txKey, path) : new WorkFile(ctx, tx, txKey, path);
    }

    private String child(String name) { return path.isEmpty() ? name : path + "/" + name; }

    @Override public Stat stat() throws P9Error {
        if (Errors.call(() -> tx.work().kindOf(path)) != EntryKind.DIRECTORY) throw Errors.noEntry();
        return super.stat();
    }

    @Override public List<Node> children() throws P9Error {
        List<Node> out = new ArrayList<>();
        for (String n : Errors.call(() -> tx.work().list(path))) {
            EntryKind k = Errors.call(() -> tx.work().kindOf(child(n)));
            if (k != null) out.add(of(ctx, tx, txKey, child(n), k));
        }
        return out;
    }

    @Override public Node walk(String name) throws P9Error {
        EntryKind k = Errors.call(() -> tx.work().kindOf(child(name)));
        if (k == null) throw Errors.noEntry();
        return of(ctx, tx, txKey, child(name), k);
    }

    @Override public Node create(String name, int perm, int mode, String extension) throws P9Error {
        String p = child(name);
        if ((perm & Stat.DMDIR) != 0) Errors.run(() -> tx.work().mkdir(p));
        else if ((perm & Stat.DMSYMLINK) != 0)
            Errors.run(() -> tx.work().createFile(p, EntryKind.SYMLINK, extension.getBytes(StandardCharsets.UTF_8)));
        else if ((perm & (Stat.DMDEVICE | Stat.DMNAMEDPIPE | Stat.DMSOCKET)) != 0)
            throw P9Error.notSupported("git stores only files, directories and symlinks");
        else Errors.run(() -> tx.work().createFile(p, (perm & 0111) != 0 ? EntryKind.EXECUTABLE : EntryKind.FILE, new byte[0]));
        tx.edited(p);
        return walk(name);
    }

    @Override public void remove() throws P9Error {
        if (path.isEmpty()) throw Errors.readOnlyFile(); // as the original answers
        Errors.run(() -> tx.work().remove(path));
        tx.edited(path);
    }

    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName()) {
            if (path.isEmpty()) throw Errors.readOnlyDirectory(); // the transaction directory refuses it
            Errors.run(() -> tx.work().rename(path, change.name()));
        }
        // directory permissions and times are not versioned by git: accepted and ignored
    }
}
