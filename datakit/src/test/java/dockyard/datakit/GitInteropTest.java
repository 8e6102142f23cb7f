package dockyard.datakit;

import dockyard.datakit.client.Branch;
import dockyard.datakit.client.DataKitClient;
import dockyard.datakit.client.Transaction;
import dockyard.datakit.client.Watch;
import dockyard.p9.Endpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The store is an ordinary git repository: command-line git and DataKit work on it at the same time. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GitInteropTest {
    @TempDir Path tmp;
    Path repo;
    DataKitServer server;
    DataKitClient dk;

    @BeforeEach void start() throws Exception {
        repo = tmp.resolve("db");
        server = DataKitServer.start(repo, Endpoint.parse("tcp://127.0.0.1:0"));
        dk = DataKitClient.connect(server.endpoint());
    }

    @AfterEach void stop() throws Exception {
        dk.close();
        server.close();
    }

    /** git in a work tree, with an identity, so clone/commit/push work as a user's would. */
    private String git(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-c", "user.name=Tester", "-c", "user.email=t@example.invalid",
                "-c", "init.defaultBranch=master"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> "git " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test void commitsFlowBothWaysAndSurviveGc() throws Exception {
        Branch master = dk.createBranch("master");
        String c1;
        try (Transaction t = master.transaction()) {
            c1 = t.write("from-datakit.txt", "dk\n").message("from datakit").commit();
        }
        GitCli cli = new GitCli(repo);
        assertEquals(c1, cli.run("rev-parse", "master").strip());

        // a user clones, commits with command-line git and pushes back while the server runs
        Path work = tmp.resolve("work");
        git(tmp, "clone", "-q", repo.toString(), work.toString());
        assertEquals("dk\n", Files.readString(work.resolve("from-datakit.txt")));
        try (Watch head = master.watchHead()) {
            assertEquals(c1, head.nextLine());
            Files.writeString(work.resolve("from-git.txt"), "git\n");
            git(work, "add", "from-git.txt");
            git(work, "commit", "-q", "-m", "from git");
            git(work, "push", "-q", "origin", "master");
            String pushed = git(work, "rev-parse", "HEAD").strip();
            assertEquals(pushed, head.nextLine(), "head.live notices a push made by git");
        }
        assertEquals("git\n", master.readString("from-git.txt"));

        // git gc packs objects and refs; DataKit keeps reading and committing
        cli.run("gc", "-q", "--prune=now");
        String c3;
        try (Transaction t = master.transaction()) {
            c3 = t.write("after-gc.txt", "gc\n").message("after gc").commit();
        }
        assertEquals("dk\n", new String(dk.readSnapshot(c1, "from-datakit.txt"), StandardCharsets.UTF_8));
        assertEquals(List.of("after-gc.txt", "from-datakit.txt", "from-git.txt"),
                cli.run("ls-tree", "--name-only", c3).lines().toList());
        String log = cli.run("log", "--format=%s", "master");
        assertEquals(List.of("after gc", "from git", "from datakit"), log.lines().toList());
        cli.assertFsckStrict();
        git(work, "pull", "-q", "--ff-only");
        assertEquals("gc\n", Files.readString(work.resolve("after-gc.txt")));
    }

    @Test void remotesFetchAndPush() throws Exception {
        Path upstream = tmp.resolve("upstream.git");
        git(tmp, "init", "-q", "--bare", upstream.toString());
        Path work = tmp.resolve("up-work");
        git(tmp, "clone", "-q", upstream.toString(), work.toString());
        Files.writeString(work.resolve("u.txt"), "upstream\n");
        git(work, "add", "u.txt");
        git(work, "commit", "-q", "-m", "upstream commit");
        git(work, "push", "-q", "origin", "master");
        String upHead = git(work, "rev-parse", "HEAD").strip();

        var p9 = dk.p9();
        p9.mkdir("remotes/origin");
        p9.writeString("remotes/origin/url", upstream.toString() + "\n");
        assertEquals(upstream + "\n", p9.readString("remotes/origin/url"));
        try (Watch head = dk.stream("remotes/origin/head")) {
            p9.writeString("remotes/origin/fetch", "master\n");
            assertEquals(upHead, head.nextLine());
        }
        // the fetched commit is a snapshot like any other, and can become a branch
        assertEquals("upstream\n", new String(dk.readSnapshot(upHead, "u.txt"), StandardCharsets.UTF_8));
        Branch mirror = dk.createBranch("mirror");
        mirror.fastForward(upHead);
        String mine;
        try (Transaction t = mirror.transaction()) {
            mine = t.write("mine.txt", "pushed\n").commit();
        }
        p9.writeString("remotes/origin/push", "mirror:from-datakit\n");
        assertEquals(mine, new GitCli(upstream).run("rev-parse", "from-datakit").strip());
        assertTrue(new GitCli(repo).run("config", "--get", "remote.origin.url").contains("upstream.git"),
                "remotes are ordinary git remotes");
    }

}
