package dockyard.p9.vfs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;

import java.util.List;

/**
 * One file or directory of a served tree: what the 9P server framework asks of a filesystem.
 * The server owns fids, tags, flushes and directory-read encoding; a node owns only its behaviour.
 *
 * <p>Every method may be called from many threads at once. A method that blocks (a stream read)
 * must be interruptible: the server interrupts the request's thread when the client flushes it.
 */
public interface Node {

    /** Current attributes; {@code stat().qid()} identifies the node, {@code stat().name()} is its name. */
    Stat stat() throws P9Error;

    /** The child called {@code name} ("." and ".." are resolved by the server). */
    default Node walk(String name) throws P9Error {
        throw stat().isDir() ? P9Error.noSuchFile(name) : P9Error.notDirectory();
    }

    /** The children, in the order a directory read lists them; only called on directories. */
    default List<Node> children() throws P9Error { throw P9Error.notDirectory(); }

    /** Opens the node for I/O (mode as in {@link dockyard.p9.OpenMode}); not called for directory reads. */
    default OpenFile open(int mode) throws P9Error { throw P9Error.permission("cannot open " + stat().name()); }

    /**
     * Creates {@code name} in this directory with 9P permission bits {@code perm} (DMDIR for a
     * directory, DMSYMLINK with {@code extension} as target in 9P2000.u) and returns it.
     * The server opens the returned node with {@code mode} unless it is a directory.
     */
    default Node create(String name, int perm, int mode, String extension) throws P9Error {
        throw P9Error.permission("cannot create " + name + " in " + stat().name());
    }

    /** Removes this node (Tremove); the server clunks the fid whatever the outcome. */
    default void remove() throws P9Error { throw P9Error.permission("cannot remove " + stat().name()); }

    /**
     * Applies a Twstat. Fields holding the "don't touch" values are to be left alone (see
     * {@link Stat#changesName()} and friends). A rename only ever names a new name in the same directory.
     */
    default void wstat(Stat change) throws P9Error {
        if (change.changesName() || change.changesLength() || change.changesMode())
            throw P9Error.permission("cannot change " + stat().name());
        // Changing only times or owners is accepted and ignored: `touch` and `cp -p` must not fail.
    }
}
