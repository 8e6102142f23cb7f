package dockyard.p9.vfs;

import dockyard.p9.P9Error;

/** What a 9P server serves: the root node handed out by Tattach. */
@FunctionalInterface
public interface FileSystem {
    /** The root for an attach by {@code uname} naming {@code aname} (often ""). */
    Node attach(String uname, String aname) throws P9Error;
}
