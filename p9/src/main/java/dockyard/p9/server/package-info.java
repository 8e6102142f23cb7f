/**
 * A 9P server framework: {@link dockyard.p9.server.P9Server} serves a {@link dockyard.p9.vfs.FileSystem},
 * owning everything protocol-shaped (version negotiation, fids and their parent chains, directory
 * reads, tags, flushes, connection lifecycle) so that filesystems implement only node behaviour.
 */
package dockyard.p9.server;
