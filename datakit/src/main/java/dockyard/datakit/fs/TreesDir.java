package dockyard.datakit.fs;

import dockyard.datakit.store.EntryKind;
import dockyard.datakit.store.TreeEntry;
import dockyard.p9.P9Error;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.List;

/**
 * {@code trees/}: looks empty; {@code trees/D-HASH} is a stored directory and {@code trees/F-HASH},
 * {@code X-HASH}, {@code L-HASH} stored files, named as {@code tree.live} prints them. A bare hash works too.
 */
final class TreesDir extends DirNode {
    TreesDir(Ctx ctx) { super(ctx, "trees", "trees"); }

    @Override int perm() { return 0555; }

    @Override public List<Node> children() { return List.of(); }

    @Override public Node walk(String name) throws P9Error {
        EntryKind kind = null;
        String hex = name;
        if (name.length() == 42 && name.charAt(1) == '-') {
            kind = EntryKind.ofLetter(name.charAt(0));
            hex = name.substring(2);
        }
        if (!ObjectId.isId(hex)) throw Errors.noEntry();
        ObjectId id = ObjectId.fromString(hex);
        boolean isTree = ctx.store().isTree(id);
        if (kind == null) kind = isTree ? EntryKind.DIRECTORY : EntryKind.FILE;
        if ((kind == EntryKind.DIRECTORY) != isTree) throw Errors.noEntry();
        if (kind == EntryKind.DIRECTORY) return new GitTreeDir(ctx, name, childKey(name), id);
        Errors.call(() -> ctx.store().objectSize(id)); // must exist
        return new GitBlobFile(ctx, name, childKey(name), new TreeEntry(name, kind, id));
    }
}
