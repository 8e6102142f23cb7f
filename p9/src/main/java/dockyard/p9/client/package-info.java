/**
 * A multiplexed 9P client: {@link dockyard.p9.client.P9Client} offers path-level conveniences and
 * {@link dockyard.p9.client.Fid}-level operations over one connection shared by any number of threads.
 */
package dockyard.p9.client;
