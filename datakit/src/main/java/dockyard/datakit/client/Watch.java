package dockyard.datakit.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A live stream of lines ({@code head.live}, {@code tree.live}, {@code reflog}) read over 9P.
 * {@link #next()} blocks until the server has a new line; closing from another thread unblocks it.
 */
public final class Watch implements AutoCloseable {
    private final InputStream in;
    private final BufferedReader lines;

    Watch(InputStream in) {
        this.in = in;
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next line, without its newline; blocks. */
    public String nextLine() throws IOException {
        String l = lines.readLine();
        if (l == null) throw new IOException("watch stream ended");
        return l;
    }

    /** The next state of a watched path ({@code tree.live} streams). */
    public TreeState next() throws IOException { return TreeState.parse(nextLine()); }

    @Override public void close() throws IOException { in.close(); }
}
