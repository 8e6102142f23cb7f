package dockyard.datakit.fs;

import dockyard.datakit.store.HeadEvents;
import dockyard.datakit.store.Store;
import dockyard.datakit.store.TreeEntry;
import dockyard.p9.P9Error;
import org.eclipse.jgit.lib.ObjectId;

import java.util.Objects;
import java.util.Optional;

/** The line sources behind DataKit's live files. */
final class Cursors {
    private Cursors() {}

    /**
     * {@code head.live}: the current head first, then each new head; heads that come and go between
     * two reads are skipped, as DataKit documents. An empty branch is a blank line.
     */
    static StreamFile.Cursor headLive(Store store, String branch) {
        return changes(store, () -> store.head(branch).map(ObjectId::name).orElse(""));
    }

    /** {@code watch/…/tree.live}: the state of one path of the head ("D-hash", "F-hash", … or blank). */
    static StreamFile.Cursor treeLive(Store store, String branch, String path) {
        return changes(store, () -> {
            Optional<ObjectId> head = store.head(branch);
            if (head.isEmpty()) return "";
            ObjectId tree = Errors.call(() -> store.treeOf(head.get()));
            return Errors.call(() -> store.lookup(tree, path)).map(TreeEntry::liveLine).orElse("");
        });
    }

    @FunctionalInterface interface State { String read() throws P9Error; }

    /** Emits {@code state} now, then again whenever a head change makes it different. */
    private static StreamFile.Cursor changes(Store store, State state) {
        HeadEvents events = store.events();
        return new StreamFile.Cursor() {
            private String last;

            @Override public String next() throws P9Error, InterruptedException {
                while (true) {
                    long seen = events.latest(); // taken before reading, so no change can slip between
                    String now = state.read();
                    if (!Objects.equals(now, last)) return last = now;
                    events.awaitAfter(seen);
                }
            }
        };
    }

    /** {@code reflog}: every head change from the moment of opening, none skipped; blank for a deletion. */
    static StreamFile.Cursor reflog(Store store, String branch) {
        HeadEvents events = store.events();
        long start = events.latest();
        return new StreamFile.Cursor() {
            private long seen = start;

            @Override public String next() throws InterruptedException {
                while (true) {
                    for (HeadEvents.Change c : events.since(seen)) {
                        seen = c.seq();
                        if (c.branch().equals(branch)) return c.head() == null ? "" : c.head().name();
                    }
                    events.awaitAfter(seen);
                }
            }
        };
    }

    /** A remote's {@code head}: the last fetched commit, then each new fetch. */
    static StreamFile.Cursor lines(LineLog log) {
        long start = log.lastIndex();
        return new StreamFile.Cursor() {
            private long next = start;

            @Override public String next() throws InterruptedException {
                return log.await(next++);
            }
        };
    }
}
