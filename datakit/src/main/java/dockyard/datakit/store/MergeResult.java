package dockyard.datakit.store;

import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * The outcome of a three-way tree merge: the merged tree (conflicting files replaced by a note, as
 * DataKit does) and the paths still in conflict. {@code tree} is null when the result is empty.
 */
public record MergeResult(ObjectId tree, List<String> conflicts) {
    public boolean clean() { return conflicts.isEmpty(); }
}
