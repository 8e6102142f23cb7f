package dockyard.cli;

import dockyard.datakit.DataKitServer;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code dockyard up}: runs the kits with their embedded defaults (today: DataKit on loopback). */
@Command(name = "up", mixinStandardHelpOptions = true, description = "Run Dockyard with embedded defaults: DataKit on " + DataKitServer.DEFAULT_LISTEN
        + " over a git repository in the user's data dir.")
final class UpCommand implements Callable<Integer> {
    @Override public Integer call() throws Exception {
        ServeSupport.serveDataKit(DataKitServer.defaultGitDir(), List.of(DataKitServer.DEFAULT_LISTEN), System.out);
        return 0;
    }
}
