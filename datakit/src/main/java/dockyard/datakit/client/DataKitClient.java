package dockyard.datakit.client;

import dockyard.p9.Endpoint;
import dockyard.p9.Stat;
import dockyard.p9.client.P9Client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Java client for a DataKit server, speaking 9P to its filesystem the way the shell does through
 * a mount: branches, transactions, watches, snapshots. One connection, safe for concurrent use;
 * transactions belong to the connection that made them.
 */
public final class DataKitClient implements AutoCloseable {
    /** One commit as {@code snapshots/COMMIT/} shows it. */
    public record Commit(String id, List<String> parents, String message) {}

    private final P9Client p9;
    /** Numbers the transactions this client names itself, so they never collide within the connection. */
    private final java.util.concurrent.atomic.AtomicLong txNames = new java.util.concurrent.atomic.AtomicLong();

    private DataKitClient(P9Client p9) { this.p9 = p9; }

    public static DataKitClient connect(Endpoint endpoint) throws IOException {
        return new DataKitClient(P9Client.connect(endpoint));
    }

    public static DataKitClient connect(String address) throws IOException { return connect(Endpoint.parse(address)); }

    /** The underlying 9P client, for paths this API does not cover. */
    public P9Client p9() { return p9; }

    public List<String> branches() throws IOException {
        List<String> out = new ArrayList<>();
        for (Stat s : p9.list("branch")) out.add(s.name());
        return out;
    }

    /** A handle on a branch (no I/O; see {@link #createBranch}). */
    public Branch branch(String name) { return new Branch(p9, name, txNames); }

    public Branch createBranch(String name) throws IOException {
        p9.mkdir("branch/" + name);
        return branch(name);
    }

    public boolean branchExists(String name) throws IOException { return p9.exists("branch/" + name); }

    public Commit commit(String id) throws IOException {
        String d = "snapshots/" + id;
        List<String> parents = Arrays.stream(p9.readString(d + "/parents").split("\n")).filter(s -> !s.isEmpty()).toList();
        return new Commit(p9.readString(d + "/hash").strip(), parents, p9.readString(d + "/msg"));
    }

    /** Reads a file of any commit's tree ({@code snapshots/COMMIT/ro/PATH}). */
    public byte[] readSnapshot(String commit, String path) throws IOException {
        return p9.readAll("snapshots/" + commit + "/ro/" + path);
    }

    /** The first-parent history from {@code commit}, newest first, at most {@code max} commits. */
    public List<Commit> log(String commit, int max) throws IOException {
        List<Commit> out = new ArrayList<>();
        String next = commit;
        while (next != null && out.size() < max) {
            Commit c = commit(next);
            out.add(c);
            next = c.parents().isEmpty() ? null : c.parents().getFirst();
        }
        return out;
    }

    /** Follows any live file (a remote's head, a head.live, a tree.live) by its path. */
    public Watch stream(String path) throws IOException { return new Watch(p9.openStream(path)); }

    public String readString(String path) throws IOException {
        return new String(p9.readAll(path), StandardCharsets.UTF_8);
    }

    @Override public void close() throws IOException { p9.close(); }
}
