package dockyard.datakit.fs;

import dockyard.p9.OpenMode;
import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.OpenFile;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A small read-write value held elsewhere (a transaction's msg and parents, a remote's url):
 * every write stores the file's whole new content through the setter, so a bad value is refused
 * on the write that made it, where the writer sees the error.
 */
final class ValueFile extends FileNode {
    @FunctionalInterface interface Getter { String get() throws P9Error; }
    @FunctionalInterface interface Setter { void set(String value) throws P9Error; }

    private final Getter getter;
    private final Setter setter;

    ValueFile(Ctx ctx, String name, String key, Getter getter, Setter setter) {
        super(ctx, name, key);
        this.getter = getter;
        this.setter = setter;
    }

    @Override long length() throws P9Error { return getter.get().getBytes(StandardCharsets.UTF_8).length; }

    @Override public void wstat(Stat change) throws P9Error {
        if (change.changesName()) throw Errors.readOnlyDirectory(); // the transaction or remote directory refuses it
        if (change.changesMode() && (change.mode() & (0100 | Stat.DMSYMLINK | Stat.DMDIR)) != 0)
            throw P9Error.invalid("Can't chmod special file");
        if (change.changesLength()) {
            byte[] now = getter.get().getBytes(StandardCharsets.UTF_8);
            setter.set(new String(Arrays.copyOf(now, (int) Math.min(change.length(), 1 << 20)), StandardCharsets.UTF_8));
        }
    }

    @Override public OpenFile open(int mode) throws P9Error {
        byte[] initial = OpenMode.truncates(mode) ? new byte[0] : getter.get().getBytes(StandardCharsets.UTF_8);
        if (OpenMode.truncates(mode) && OpenMode.writes(mode)) setter.set("");
        return new Open(initial);
    }

    private final class Open implements OpenFile {
        private byte[] content;

        Open(byte[] initial) { content = initial; }

        @Override public synchronized ByteBuffer read(long offset, int count) {
            if (offset >= content.length) return ByteBuffer.allocate(0);
            return ByteBuffer.wrap(Arrays.copyOfRange(content, (int) offset, (int) Math.min(content.length, offset + count)));
        }

        @Override public synchronized int write(long offset, ByteBuffer data) throws P9Error {
            int n = data.remaining();
            if (offset + n > (1 << 20)) throw new P9Error(P9Error.EFBIG, name + " holds at most 1 MiB");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(content, 0, (int) Math.min(offset, content.length));
            for (long i = content.length; i < offset; i++) out.write(0);
            byte[] bytes = new byte[n];
            data.get(bytes);
            out.write(bytes, 0, n);
            if (offset + n < content.length) out.write(content, (int) (offset + n), (int) (content.length - offset - n));
            byte[] next = out.toByteArray();
            setter.set(new String(next, StandardCharsets.UTF_8));
            content = next;
            return n;
        }
    }
}
