package dockyard.datakit.fs;

import dockyard.datakit.store.Store;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.FileSystem;
import dockyard.p9.vfs.Node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * DataKit's filesystem (moby/datakit's 9p.md layout) over a {@link Store}. Each attach gets its
 * own session, and with it its own set of transactions.
 */
public final class DataKitFileSystem implements FileSystem {
    private final Store store;
    private final Shared shared = new Shared();
    private final AtomicLong sessions = new AtomicLong();
    private final int epoch = (int) (System.currentTimeMillis() / 1000);

    public DataKitFileSystem(Store store) { this.store = store; }

    @Override public Node attach(String uname, String aname) {
        return new RootDir(new Ctx(store, epoch, new Session(sessions.incrementAndGet())), shared);
    }

    /**
     * As the original server: a walk either reaches its last name or fails with the failing
     * name's error. go-datakit ignores a short Rwalk, so with walk(5)'s answer its remove or read
     * of a missing key would act on the directory the walk started from.
     */
    @Override public boolean walkFailsWhole() { return true; }

    @Override public P9Error walkThroughFile() { return Errors.walkFromFile(); }
}
