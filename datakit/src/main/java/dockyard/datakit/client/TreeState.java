package dockyard.datakit.client;

/**
 * One line of a {@code tree.live} stream: what a watched path is now. {@code kind} is 'D'
 * (directory), 'F' (file), 'X' (executable), 'L' (symlink) or 0 when the path does not exist.
 */
public record TreeState(char kind, String hash) {
    public static final TreeState ABSENT = new TreeState((char) 0, "");

    public static TreeState parse(String line) {
        String l = line.strip();
        if (l.isEmpty()) return ABSENT;
        if (l.length() < 3 || l.charAt(1) != '-' || "DFXL".indexOf(l.charAt(0)) < 0)
            throw new IllegalArgumentException("not a tree.live line: '" + line + "'");
        return new TreeState(l.charAt(0), l.substring(2));
    }

    public boolean exists() { return kind != 0; }

    @Override public String toString() { return exists() ? kind + "-" + hash : ""; }
}
