package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A control file: each write is one command (ctl's commit/close, fast-forward's commit id, merge's
 * commit id, a remote's fetch/push). It runs during the Twrite, so its failure is the write's
 * error. Reading the same open file returns the result of its last command.
 */
final class CommandFile extends FileNode {
    @FunctionalInterface interface Command { String run(String argument) throws P9Error; }

    private final Command command;

    CommandFile(Ctx ctx, String name, String key, Command command) {
        super(ctx, name, key);
        this.command = command;
    }

    @Override int perm() { return 0200 | 0400; }

    /** `echo cmd > ctl` truncates first: length 0 is accepted, anything else refused, as by the original. */
    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName()) throw Errors.readOnlyDirectory();
        if (change.changesLength() && change.length() != 0) throw P9Error.invalid("Can't extend command file");
        if (change.changesMode() && (change.mode() & (0100 | Stat.DMSYMLINK | Stat.DMDIR)) != 0)
            throw P9Error.invalid("Can't chmod special file");
    }

    @Override public void remove() throws P9Error { throw Errors.notPermitted(); }

    @Override public OpenFile open(int mode) {
        return new OpenFile() {
            private byte[] result = new byte[0];

            @Override public synchronized ByteBuffer read(long offset, int count) {
                return new BytesOpen(result).read(offset, count);
            }

            @Override public synchronized int write(long offset, ByteBuffer data) throws P9Error {
                int n = data.remaining();
                byte[] bytes = new byte[n];
                data.get(bytes);
                String arg = new String(bytes, StandardCharsets.UTF_8).strip();
                if (arg.isEmpty()) return n; // `: > ctl` and trailing newlines are not commands
                String r = command.run(arg);
                result = (r == null ? "" : r).getBytes(StandardCharsets.UTF_8);
                return n;
            }
        };
    }
}
