package dockyard.datakit.fs;

import dockyard.datakit.store.Store;

/** What every node of one attach shares: the store, the time shown as mtime, the per-attach session. */
record Ctx(Store store, int epoch, Session session) {}
