package dockyard.p9.vfs;

import dockyard.p9.P9Error;

/** What a 9P server serves: the root node handed out by Tattach. */
@FunctionalInterface
public interface FileSystem {
    /** The root for an attach by {@code uname} naming {@code aname} (often ""). */
    Node attach(String uname, String aname) throws P9Error;

    /**
     * Whether a walk that fails after its first element answers with that element's Rerror
     * instead of walk(5)'s short Rwalk. Some servers work that way, and clients written against
     * them (go-p9p ignores a short Rwalk) would otherwise carry on with a fid that never moved
     * and remove or read the directory they started from.
     */
    default boolean walkFailsWhole() { return false; }

    /** The error for a walk through a file; a filesystem may phrase it as the server it stands in for did. */
    default P9Error walkThroughFile() { return P9Error.notDirectory(); }
}
