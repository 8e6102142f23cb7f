package dockyard.datakit.store;

import dockyard.datakit.store.DataKitException.Kind;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The editable tree of a transaction ({@code rw/}). It starts as a stored git tree and is loaded
 * lazily: untouched directories and files stay as object ids and are written back as they were,
 * so a commit costs only what changed. Nothing reaches the repository before {@link #write}, which
 * is why an abandoned transaction leaves no trace. Paths are slash-separated, "" is the root.
 * All methods are synchronized: one transaction may be edited by several 9P requests at once.
 */
public final class WorkTree {
    /** Files above this size are refused: they are held in memory until commit. */
    public static final long MAX_FILE_SIZE = 1L << 30;

    private sealed interface Entry permits Dir, File {}

    private static final class Dir implements Entry {
        ObjectId original;
        TreeMap<String, Entry> children; // null until first needed

        Dir(ObjectId original) { this.original = original; }
    }

    private static final class File implements Entry {
        EntryKind kind;
        ObjectId blob;       // valid while data == null
        ChunkedBytes data;   // loaded or edited content

        File(EntryKind kind, ObjectId blob) { this.kind = kind; this.blob = blob; }
    }

    private final Store store;
    private final Dir root;

    private WorkTree(Store store, ObjectId tree) {
        this.store = store;
        this.root = new Dir(tree);
    }

    /** A work tree holding {@code tree} (null for an empty tree). */
    public static WorkTree of(Store store, ObjectId tree) { return new WorkTree(store, tree); }

    public synchronized EntryKind kindOf(String path) throws DataKitException {
        Entry e = find(path);
        if (e == null) return null;
        return e instanceof File f ? f.kind : EntryKind.DIRECTORY;
    }

    public synchronized List<String> list(String dir) throws DataKitException {
        return new ArrayList<>(children(dirAt(dir)).keySet());
    }

    public synchronized long size(String path) throws DataKitException {
        File f = fileAt(path);
        return f.data != null ? f.data.size() : store.objectSize(f.blob);
    }

    public synchronized ByteBuffer read(String path, long offset, int count) throws DataKitException {
        File f = fileAt(path);
        load(f);
        return f.data.read(offset, count);
    }

    public synchronized byte[] readAll(String path) throws DataKitException {
        File f = fileAt(path);
        load(f);
        return f.data.toArray();
    }

    public synchronized int write(String path, long offset, ByteBuffer data) throws DataKitException {
        File f = fileAt(path);
        load(f);
        int n = data.remaining();
        long end = offset + n;
        if (end > MAX_FILE_SIZE || offset < 0)
            throw new DataKitException(Kind.TOO_BIG, "file too large for a transaction (limit " + MAX_FILE_SIZE + " bytes)");
        f.data.write(offset, data);
        f.blob = null;
        return n;
    }

    public synchronized void truncate(String path, long length) throws DataKitException {
        File f = fileAt(path);
        if (length > MAX_FILE_SIZE || length < 0) throw new DataKitException(Kind.TOO_BIG, "bad file length " + length);
        load(f);
        f.data.truncate(length);
        f.blob = null;
    }

    /** Replaces the content of {@code path}, creating it (and its parent dirs) as a plain file if needed. */
    public synchronized void put(String path, byte[] content) throws DataKitException {
        String[] parts = split(path);
        Dir d = root;
        for (int i = 0; i < parts.length - 1; i++) {
            Map<String, Entry> c = children(d);
            Entry e = c.get(parts[i]);
            if (e == null) c.put(parts[i], e = emptyDir());
            if (!(e instanceof Dir sub)) throw new DataKitException(Kind.NOT_DIRECTORY, "not a directory: " + parts[i]);
            d = sub;
        }
        Map<String, Entry> c = children(d);
        Entry e = c.get(parts[parts.length - 1]);
        if (e instanceof Dir) throw new DataKitException(Kind.IS_DIRECTORY, "is a directory: " + path);
        File f = e instanceof File old ? old : new File(EntryKind.FILE, null);
        f.data = ChunkedBytes.of(content);
        f.blob = null;
        c.put(parts[parts.length - 1], f);
    }

    /**
     * Creates {@code path} as a file of {@code kind} holding {@code content}. An existing file of
     * that name is replaced, as DataKit's create does (a client writes a key by creating it afresh);
     * a directory of that name is refused.
     */
    public synchronized void createFile(String path, EntryKind kind, byte[] content) throws DataKitException {
        Map<String, Entry> c = children(parentOf(path));
        String name = leaf(path);
        if (c.get(name) instanceof Dir) throw new DataKitException(Kind.IS_DIRECTORY, "is a directory: " + path);
        File f = new File(kind, null);
        f.data = ChunkedBytes.of(content);
        c.put(name, f);
    }

    public synchronized void mkdir(String path) throws DataKitException {
        Map<String, Entry> c = children(parentOf(path));
        String name = leaf(path);
        if (c.containsKey(name)) throw new DataKitException(Kind.EXISTS, "file exists: " + path);
        c.put(name, emptyDir());
    }

    /** Removes a file or an empty directory. */
    public synchronized void remove(String path) throws DataKitException {
        Map<String, Entry> c = children(parentOf(path));
        String name = leaf(path);
        Entry e = c.get(name);
        if (e == null) throw new DataKitException(Kind.NOT_FOUND, "no such file: " + path);
        if (e instanceof Dir d && !children(d).isEmpty()) throw new DataKitException(Kind.NOT_EMPTY, "directory not empty: " + path);
        c.remove(name);
    }

    /** Renames within the same directory (all 9P2000.u can ask for); an existing file of that name is replaced. */
    public synchronized void rename(String path, String newName) throws DataKitException {
        checkName(newName);
        Map<String, Entry> c = children(parentOf(path));
        String name = leaf(path);
        Entry e = c.get(name);
        if (e == null) throw new DataKitException(Kind.NOT_FOUND, "no such file: " + path);
        Entry target = c.get(newName);
        if (target instanceof Dir td && (!(e instanceof Dir) || !children(td).isEmpty()))
            throw new DataKitException(Kind.NOT_EMPTY, "cannot replace directory " + newName);
        c.remove(name);
        c.put(newName, e);
    }

    public synchronized void setKind(String path, EntryKind kind) throws DataKitException {
        fileAt(path).kind = kind;
    }

    /** Writes every changed object and returns the root tree id (null when the tree is empty). */
    public synchronized ObjectId write(ObjectInserter ins) throws DataKitException {
        try {
            return writeDir(root, ins);
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot write tree: " + e.getMessage(), e);
        }
    }

    private ObjectId writeDir(Dir d, ObjectInserter ins) throws IOException, DataKitException {
        if (d.children == null) return d.original;
        List<TreeEntry> entries = new ArrayList<>();
        for (var e : d.children.entrySet()) {
            if (e.getValue() instanceof File f) {
                ObjectId id = f.data == null ? f.blob : ins.insert(Constants.OBJ_BLOB, f.data.size(), f.data.stream());
                entries.add(new TreeEntry(e.getKey(), f.kind, id));
            } else {
                ObjectId sub = writeDir((Dir) e.getValue(), ins);
                if (sub != null) entries.add(new TreeEntry(e.getKey(), EntryKind.DIRECTORY, sub));
            }
        }
        return Store.writeTree(entries, ins);
    }

    // ------------------------------------------------------------ helpers

    private static Dir emptyDir() {
        Dir d = new Dir(null);
        d.children = new TreeMap<>();
        return d;
    }

    private TreeMap<String, Entry> children(Dir d) throws DataKitException {
        if (d.children == null) {
            d.children = new TreeMap<>();
            if (d.original != null)
                for (TreeEntry t : store.readTree(d.original))
                    d.children.put(t.name(), t.kind() == EntryKind.DIRECTORY ? new Dir(t.id()) : new File(t.kind(), t.id()));
            d.original = null;
        }
        return d.children;
    }

    private void load(File f) throws DataKitException {
        if (f.data == null) {
            f.data = ChunkedBytes.of(store.readBlob(f.blob));
        }
    }

    private Entry find(String path) throws DataKitException {
        Entry e = root;
        for (String p : split(path)) {
            if (!(e instanceof Dir d)) return null;
            e = children(d).get(p);
            if (e == null) return null;
        }
        return e;
    }

    private Dir dirAt(String path) throws DataKitException {
        Entry e = find(path);
        if (e == null) throw new DataKitException(Kind.NOT_FOUND, "no such directory: " + path);
        if (!(e instanceof Dir d)) throw new DataKitException(Kind.NOT_DIRECTORY, "not a directory: " + path);
        return d;
    }

    private File fileAt(String path) throws DataKitException {
        Entry e = find(path);
        if (e == null) throw new DataKitException(Kind.NOT_FOUND, "no such file: " + path);
        if (!(e instanceof File f)) throw new DataKitException(Kind.IS_DIRECTORY, "is a directory: " + path);
        return f;
    }

    private Dir parentOf(String path) throws DataKitException {
        int slash = path.lastIndexOf('/');
        checkName(leaf(path));
        return dirAt(slash < 0 ? "" : path.substring(0, slash));
    }

    private static String leaf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    private static String[] split(String path) {
        return path.isEmpty() ? new String[0] : path.split("/");
    }

    /** Git stores names as bytes with no '/' or NUL; ".git" is refused by git fsck, "." and ".." by everyone. */
    public static void checkName(String name) throws DataKitException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.equalsIgnoreCase(".git"))
            throw new DataKitException(Kind.INVALID, "invalid file name '" + name + "'");
    }
}
