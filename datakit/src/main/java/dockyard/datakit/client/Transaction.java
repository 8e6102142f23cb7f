package dockyard.datakit.client;

import dockyard.p9.OpenMode;
import dockyard.p9.client.Fid;
import dockyard.p9.client.P9Client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A transaction on a branch, as {@code branch/B/transactions/NAME/}. Changes are invisible to others
 * until {@link #commit()}; closing without committing abandons them.
 */
public final class Transaction implements AutoCloseable {
    private final P9Client p9;
    private final String dir;
    private boolean done;

    Transaction(P9Client p9, String dir) {
        this.p9 = p9;
        this.dir = dir;
    }

    public String path() { return dir; }

    /** Writes {@code data} to {@code path} (slash-separated, relative to rw/), creating parent directories. */
    public Transaction write(String path, byte[] data) throws IOException {
        String[] parts = path.split("/");
        StringBuilder d = new StringBuilder(dir).append("/rw");
        for (int i = 0; i < parts.length - 1; i++) {
            d.append('/').append(parts[i]);
            if (!p9.exists(d.toString())) p9.mkdir(d.toString());
        }
        p9.writeFile(dir + "/rw/" + path, data);
        return this;
    }

    public Transaction write(String path, String text) throws IOException {
        return write(path, text.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] read(String path) throws IOException { return p9.readAll(dir + "/rw/" + path); }

    public boolean exists(String path) throws IOException { return p9.exists(dir + "/rw/" + path); }

    public Transaction remove(String path) throws IOException {
        p9.remove(dir + "/rw/" + path);
        return this;
    }

    public Transaction mkdir(String path) throws IOException {
        p9.mkdir(dir + "/rw/" + path);
        return this;
    }

    public Transaction message(String msg) throws IOException {
        p9.writeFile(dir + "/msg", msg.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Merges a commit into this transaction; returns the paths left in conflict (resolve by writing or removing them). */
    public List<String> merge(String commit) throws IOException {
        p9.writeFile(dir + "/merge", commit.getBytes(StandardCharsets.UTF_8));
        return conflicts();
    }

    public List<String> conflicts() throws IOException {
        if (!p9.exists(dir + "/conflicts")) return List.of();
        return Arrays.stream(p9.readString(dir + "/conflicts").split("\n")).filter(s -> !s.isEmpty()).toList();
    }

    /** Lines of {@code diff/COMMIT}: what this transaction changes relative to {@code commit}. */
    public List<String> diff(String commit) throws IOException {
        return Arrays.stream(p9.readString(dir + "/diff/" + commit).split("\n")).filter(s -> !s.isEmpty()).toList();
    }

    /** Commits and returns the new head of the branch. */
    public String commit() throws IOException {
        // write and read back on one open fid: the ctl file answers with the new head
        try (Fid ctl = p9.walk(dir + "/ctl").open(OpenMode.ORDWR)) {
            ctl.writeFully(0, ByteBuffer.wrap("commit".getBytes(StandardCharsets.UTF_8)));
            done = true;
            ByteBuffer r = ctl.read(0, 128);
            byte[] b = new byte[r.remaining()];
            r.get(b);
            return new String(b, StandardCharsets.UTF_8).strip();
        }
    }

    /** Abandons the transaction unless it was committed. */
    @Override public void close() throws IOException {
        if (done) return;
        done = true;
        p9.writeFile(dir + "/ctl", "close".getBytes(StandardCharsets.UTF_8));
    }
}
