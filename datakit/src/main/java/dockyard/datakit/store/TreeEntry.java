package dockyard.datakit.store;

import org.eclipse.jgit.lib.ObjectId;

/** One entry of a stored git tree. */
public record TreeEntry(String name, EntryKind kind, ObjectId id) {
    /** The line {@code tree.live} prints for this object: {@code D-HASH}, {@code F-HASH}, ... */
    public String liveLine() { return kind.letter + "-" + id.name(); }
}
