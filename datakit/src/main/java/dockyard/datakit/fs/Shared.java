package dockyard.datakit.fs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** State shared by all attaches of one server that is not in git: the fetched-head streams of remotes. */
final class Shared {
    private final Map<String, LineLog> remoteHeads = new ConcurrentHashMap<>();

    LineLog remoteHead(String remote) { return remoteHeads.computeIfAbsent(remote, r -> new LineLog()); }
}
