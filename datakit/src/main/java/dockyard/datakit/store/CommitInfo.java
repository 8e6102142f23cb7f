package dockyard.datakit.store;

import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/** What {@code snapshots/COMMIT/} shows of a commit. */
public record CommitInfo(ObjectId id, ObjectId tree, List<ObjectId> parents, String message,
                         String author, int commitTime) {
    public String parentsText() {
        StringBuilder sb = new StringBuilder();
        for (ObjectId p : parents) sb.append(p.name()).append('\n');
        return sb.toString();
    }
}
