package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.Transaction;
import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A file (or symlink) of a transaction's {@code rw/} tree. Writes go straight into the work tree. */
final class WorkFile extends FileNode {
    private final Transaction tx;
    private final String path;

    WorkFile(Ctx ctx, Transaction tx, String txKey, String path) {
        super(ctx, path.substring(path.lastIndexOf('/') + 1), txKey + "/rw/" + path);
        this.tx = tx;
        this.path = path;
    }

    private EntryKind kind() throws P9Error {
        EntryKind k = Errors.call(() -> tx.work().kindOf(path));
        if (k == null || k == EntryKind.DIRECTORY) throw Errors.noEntry();
        return k;
    }

    @Override int perm() {
        try {
            return kind() == EntryKind.EXECUTABLE ? 0755 : 0644;
        } catch (P9Error e) {
            return 0644;
        }
    }

    @Override long length() throws P9Error { return Errors.call(() -> tx.work().size(path)); }

    @Override public Stat stat() throws P9Error {
        if (kind() != EntryKind.SYMLINK) return super.stat();
        String target = new String(Errors.call(() -> tx.work().readAll(path)), StandardCharsets.UTF_8);
        return Stat.of(Qids.symlink(key), name, Stat.DMSYMLINK | 0777, target.length(), ctx.epoch()).withExtension(target);
    }

    @Override public OpenFile open(int mode) throws P9Error {
        kind();
        if (OpenMode.writes(mode) && OpenMode.truncates(mode)) {
            Errors.run(() -> tx.work().truncate(path, 0));
            tx.edited(path);
        }
        return new OpenFile() {
            @Override public boolean mayBlock() { return false; } // memory only

            @Override public ByteBuffer read(long offset, int count) throws P9Error {
                return Errors.call(() -> tx.work().read(path, offset, count));
            }

            @Override public int write(long offset, ByteBuffer data) throws P9Error {
                if (!OpenMode.writes(mode)) throw new P9Error(P9Error.EBADF, "file not open for writing");
                int n = Errors.call(() -> tx.work().write(path, offset, data));
                tx.edited(path);
                return n;
            }
        };
    }

    @Override public void remove() throws P9Error {
        Errors.run(() -> tx.work().remove(path));
        tx.edited(path);
    }

    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesLength()) {
            Errors.run(() -> tx.work().truncate(path, change.length()));
            tx.edited(path);
        }
        if (change.changesMode() && kind() != EntryKind.SYMLINK) {
            EntryKind k = (change.mode() & 0111) != 0 ? EntryKind.EXECUTABLE : EntryKind.FILE;
            Errors.run(() -> tx.work().setKind(path, k));
            tx.edited(path);
        }
        if (change.changesName()) {
            Errors.run(() -> tx.work().rename(path, change.name()));
            tx.edited(path);
        }
    }
}
