package dockyard.p9.server;

import dockyard.p9.vfs.Node;

/**
 * A node together with the directories walked to reach it. Nodes know nothing of their parents, so
 * the server keeps this chain per fid to resolve ".." itself; the attach root has no parent and
 * ".." there stays put, as on Plan 9 and Unix.
 */
record NodePath(Node node, NodePath parent) {
    static NodePath root(Node root) { return new NodePath(root, null); }

    NodePath child(Node child) { return new NodePath(child, this); }

    NodePath up() { return parent == null ? this : parent; }
}
