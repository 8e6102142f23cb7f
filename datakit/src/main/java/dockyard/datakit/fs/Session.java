package dockyard.datakit.fs;

import dockyard.datakit.store.DataKitException;
import dockyard.datakit.store.Store;
import dockyard.datakit.store.Transaction;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The transactions of one attach (one mount, one client connection): as in DataKit, each 9P
 * connection has its own set, and they vanish with it because nothing of theirs was written.
 */
final class Session {
    record Tx(Transaction tx, String key) {}

    private final long id;
    private final AtomicLong txIds = new AtomicLong();
    private final Map<String, Map<String, Tx>> byBranch = new TreeMap<>();

    Session(long id) { this.id = id; }

    synchronized Tx start(Store store, String branch, String name) throws DataKitException {
        Transaction.checkName(name);
        Map<String, Tx> txs = byBranch.computeIfAbsent(branch, b -> new TreeMap<>());
        if (txs.containsKey(name))
            throw new DataKitException(DataKitException.Kind.EXISTS, "transaction '" + name + "' already exists on branch '" + branch + "'");
        Tx t = new Tx(Transaction.start(store, branch, name), "session" + id + "/tx" + txIds.incrementAndGet());
        txs.put(name, t);
        return t;
    }

    synchronized List<Tx> list(String branch) {
        return List.copyOf(byBranch.getOrDefault(branch, Map.of()).values());
    }

    synchronized Tx get(String branch, String name) {
        return byBranch.getOrDefault(branch, Map.of()).get(name);
    }

    synchronized void remove(String branch, String name) {
        Map<String, Tx> txs = byBranch.get(branch);
        if (txs != null) txs.remove(name);
    }
}
