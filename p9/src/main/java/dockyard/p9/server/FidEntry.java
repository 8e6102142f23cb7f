package dockyard.p9.server;

import dockyard.p9.vfs.Node;

/**
 * The immutable state of one fid: where it points and, once opened, how. State changes (open,
 * create, walking a fid onto itself) replace the entry in the {@link FidTable} only if it is still
 * the one the change started from, so concurrent requests on one fid cannot both win.
 * Identity, not value, equality is intended.
 */
final class FidEntry {
    private final NodePath path;
    private final Opened opened;

    FidEntry(NodePath path) { this(path, null); }

    private FidEntry(NodePath path, Opened opened) {
        this.path = path;
        this.opened = opened;
    }

    FidEntry open(NodePath at, Opened how) { return new FidEntry(at, how); }

    NodePath path() { return path; }

    Node node() { return path.node(); }

    /** How the fid is open, or null if it is not. */
    Opened opened() { return opened; }

    boolean isOpen() { return opened != null; }
}
