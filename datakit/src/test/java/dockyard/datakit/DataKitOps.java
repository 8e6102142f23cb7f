package dockyard.datakit;

import dockyard.p9.OpenMode;
import dockyard.p9.client.Fid;
import dockyard.p9.client.P9Client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** DataKit's file protocol spoken through the Java 9P client, as a script over a mount would. */
final class DataKitOps {
    private DataKitOps() {}

    /** mkdir branch/NAME unless it exists. */
    static void ensureBranch(P9Client c, String branch) throws IOException {
        if (!c.exists("branch/" + branch)) c.mkdir("branch/" + branch);
    }

    /** mkdir branch/B/transactions/TX; returns its path. */
    static String startTx(P9Client c, String branch, String tx) throws IOException {
        String dir = "branch/" + branch + "/transactions/" + tx;
        c.mkdir(dir);
        return dir;
    }

    /** Writes {@code rw/PATH} in a transaction, creating the directories on the way. */
    static void write(P9Client c, String txDir, String path, String content) throws IOException {
        String[] parts = path.split("/");
        StringBuilder dir = new StringBuilder(txDir + "/rw");
        for (int i = 0; i < parts.length - 1; i++) {
            dir.append('/').append(parts[i]);
            if (!c.exists(dir.toString())) c.mkdir(dir.toString());
        }
        c.writeString(txDir + "/rw/" + path, content);
    }

    /**
     * Writes {@code commit} to ctl and reads the new head back from the same open file. The commit
     * is acknowledged when the write returns; the returned id is the commit that was made.
     */
    static String commit(P9Client c, String txDir, String message) throws IOException {
        c.writeString(txDir + "/msg", message);
        return ctlCommit(c, txDir);
    }

    /** Just the {@code commit} write to ctl (and reading its answer): the commit itself. */
    static String ctlCommit(P9Client c, String txDir) throws IOException {
        try (Fid ctl = c.walk(txDir + "/ctl").open(OpenMode.ORDWR)) {
            ctl.writeFully(0, ByteBuffer.wrap("commit\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer r = ctl.read(0, 4096);
            byte[] b = new byte[r.remaining()];
            r.get(b);
            String id = new String(b, StandardCharsets.UTF_8).strip();
            if (!id.matches("[0-9a-f]{40}")) throw new IOException("ctl answered '" + id + "' to commit");
            return id;
        }
    }

    /** A whole transaction: start, write every file, commit; returns the commit id. */
    static String commitFiles(P9Client c, String branch, String tx, Map<String, String> files, String message) throws IOException {
        String dir = startTx(c, branch, tx);
        for (var e : files.entrySet()) write(c, dir, e.getKey(), e.getValue());
        return commit(c, dir, message);
    }

    /** branch/B/head without its newline ("" for a branch with no commit). */
    static String head(P9Client c, String branch) throws IOException {
        return c.readString("branch/" + branch + "/head").strip();
    }
}
