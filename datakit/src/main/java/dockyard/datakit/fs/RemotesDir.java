package dockyard.datakit.fs;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.vfs.Node;
import org.eclipse.jgit.lib.ObjectId;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code remotes/}: mkdir NAME adds a git remote (kept in the repository's config, so command-line
 * git sees it too); each holds {@code url}, {@code fetch} (write a branch name), {@code push}
 * (write BRANCH or LOCAL:REMOTE) and {@code head}, a stream of the commits fetched.
 */
final class RemotesDir extends DirNode {
    private final Shared shared;

    RemotesDir(Ctx ctx, Shared shared) {
        super(ctx, "remotes", "remotes");
        this.shared = shared;
    }

    @Override public List<Node> children() {
        List<Node> out = new ArrayList<>();
        for (String r : ctx.store().remotes()) out.add(remote(r));
        return out;
    }

    @Override public Node walk(String name) throws P9Error {
        if (!ctx.store().remotes().contains(name)) throw Errors.noEntry();
        return remote(name);
    }

    @Override public Node create(String name, int perm, int mode, String extension) throws P9Error {
        if ((perm & Stat.DMDIR) == 0) throw Errors.directoriesOnly();
        Errors.run(() -> ctx.store().addRemote(name));
        return remote(name);
    }

    private Node remote(String name) {
        String k = childKey(name);
        return new DirNode(ctx, name, k) {
            @Override public List<Node> children() {
                return List.of(
                        new ValueFile(ctx, "url", k + "/url", () -> {
                            String u = ctx.store().remoteUrl(name);
                            return u.isEmpty() ? "" : u + "\n";
                        }, v -> Errors.commandRun(() -> ctx.store().setRemoteUrl(name, v.strip()))),
                        new CommandFile(ctx, "fetch", k + "/fetch", branch -> {
                            ObjectId id = Errors.command(() -> ctx.store().fetch(name, branch));
                            shared.remoteHead(name).append(id.name());
                            return id.name() + "\n";
                        }),
                        new CommandFile(ctx, "push", k + "/push", spec -> {
                            int colon = spec.indexOf(':');
                            String local = colon < 0 ? spec : spec.substring(0, colon);
                            String remote = colon < 0 ? spec : spec.substring(colon + 1);
                            Errors.commandRun(() -> ctx.store().push(name, local, remote));
                            return "";
                        }),
                        new StreamFile(ctx, "head", k + "/head", () -> Cursors.lines(shared.remoteHead(name))));
            }

            @Override public void remove() throws P9Error {
                Errors.run(() -> ctx.store().removeRemote(name));
            }
        };
    }
}
