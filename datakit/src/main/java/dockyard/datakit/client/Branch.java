package dockyard.datakit.client;

import dockyard.p9.client.P9Client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** A branch seen through {@code branch/NAME/}. */
public final class Branch {
    private final P9Client p9;
    private final String name;
    private final AtomicLong txNames;

    Branch(P9Client p9, String name, AtomicLong txNames) {
        this.p9 = p9;
        this.name = name;
        this.txNames = txNames;
    }

    public String name() { return name; }

    private String dir() { return "branch/" + name; }

    /** The head commit id, empty when the branch has no commit yet. */
    public Optional<String> head() throws IOException {
        String h = p9.readString(dir() + "/head").strip();
        return h.isEmpty() ? Optional.empty() : Optional.of(h);
    }

    /** Reads a file of the head tree ({@code ro/PATH}). */
    public byte[] read(String path) throws IOException { return p9.readAll(dir() + "/ro/" + path); }

    public String readString(String path) throws IOException { return new String(read(path), StandardCharsets.UTF_8); }

    /** Starts a transaction named {@code txName}. */
    public Transaction transaction(String txName) throws IOException {
        String d = dir() + "/transactions/" + txName;
        p9.mkdir(d);
        return new Transaction(p9, d);
    }

    /** Starts a transaction with a fresh name. */
    public Transaction transaction() throws IOException {
        return transaction("tx-" + ProcessHandle.current().pid() + "-" + txNames.incrementAndGet());
    }

    public void fastForward(String commit) throws IOException {
        p9.writeFile(dir() + "/fast-forward", commit.getBytes(StandardCharsets.UTF_8));
    }

    /** Follows the head: the current commit id first (blank for none), then each new one. */
    public Watch watchHead() throws IOException { return new Watch(p9.openStream(dir() + "/head.live")); }

    /** Follows every head update from now on, none skipped. */
    public Watch reflog() throws IOException { return new Watch(p9.openStream(dir() + "/reflog")); }

    /** Follows one path of the head tree (""= the whole tree) as a stream of {@link TreeState}s. */
    public Watch watch(String path) throws IOException {
        StringBuilder p = new StringBuilder(dir()).append("/watch");
        if (!path.isEmpty()) for (String part : path.split("/")) p.append('/').append(part).append(".node");
        return new Watch(p9.openStream(p.append("/tree.live").toString()));
    }

    public void delete() throws IOException { p9.remove(dir()); }
}
