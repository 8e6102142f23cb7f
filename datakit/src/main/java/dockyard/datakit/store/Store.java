package dockyard.datakit.store;

import dockyard.datakit.store.DataKitException.Kind;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefRename;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The versioned store under DataKit: an ordinary git repository (bare when we create it) read and
 * written with JGit. Branch heads are plain refs under {@code refs/heads/}, so command-line git sees
 * every commit we make and we see every commit it makes (a poller turns foreign ref changes into
 * {@link HeadEvents}). A commit is acknowledged only after its objects and its ref are on disk.
 */
public final class Store implements AutoCloseable {
    public record Options(boolean fsync, long pollMillis, PersonIdent committer) {
        public static Options defaults() {
            return new Options(true, 100, new PersonIdent("DataKit", "datakit@dockyard.invalid"));
        }
    }

    private static final String HEADS = Constants.R_HEADS;
    private final Repository repo;
    private final Options options;
    private final HeadEvents events = new HeadEvents();
    /** Branches made with mkdir that have no commit yet: git has no ref for them. */
    private final Set<String> emptyBranches = ConcurrentHashMap.newKeySet();
    /** Serialises the read-merge-update cycle of commits to one branch within this process. */
    private final Map<String, ReentrantLock> branchLocks = new ConcurrentHashMap<>();
    /** The heads last published, so local and polled changes are each announced once. */
    private final Map<String, ObjectId> knownHeads = new HashMap<>();
    private final Object knownLock = new Object();
    private final Thread poller;
    private volatile boolean closed;

    private Store(Repository repo, Options options) {
        this.repo = repo;
        this.options = options;
        synchronized (knownLock) {
            knownHeads.putAll(readHeads());
        }
        this.poller = Thread.ofVirtual().name("datakit-ref-poller").start(this::pollRefs);
    }

    /** Opens the repository at {@code dir} (a bare repo, or a work tree with .git); an empty or missing dir is initialised bare. */
    public static Store open(Path dir, Options options) throws IOException {
        Files.createDirectories(dir);
        Repository repo;
        boolean empty;
        try (var list = Files.list(dir)) {
            empty = list.findAny().isEmpty();
        }
        if (empty) {
            try {
                Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch("master").call().close();
            } catch (GitAPIException e) {
                throw new IOException("cannot initialise a git repository in " + dir + ": " + e.getMessage(), e);
            }
        }
        Path gitDir = Files.isDirectory(dir.resolve(".git")) ? dir.resolve(".git") : dir;
        if (!Files.isRegularFile(gitDir.resolve("HEAD")))
            throw new IOException(dir + " is not empty and is not a git repository");
        removeStaleLocks(gitDir);
        // Without a packed-refs file JGit probes for it (stat, failed open, exceptions) on every ref
        // read, ~68 times a commit; an empty one is valid for git and JGit alike (+9% commits/s).
        Path packed = gitDir.resolve("packed-refs");
        if (!Files.exists(packed)) Files.writeString(packed, "# pack-refs with: peeled fully-peeled sorted \n");
        repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build();
        StoredConfig cfg = repo.getConfig();
        // JGit's switch to fsync refs before a commit is acknowledged (command-line git ignores it).
        cfg.setBoolean(ConfigConstants.CONFIG_CORE_SECTION, null, "fsyncRefFiles", options.fsync());
        // Keep git's reflog for our ref updates as git itself does, also in a bare repository.
        cfg.setString(ConfigConstants.CONFIG_CORE_SECTION, null, ConfigConstants.CONFIG_KEY_LOGALLREFUPDATES, "true");
        cfg.save();
        return new Store(repo, options);
    }

    /**
     * Lock files left by a writer that died between creating and renaming them (kill -9 inside a
     * ref update or a config save). A live git holds one for milliseconds: whatever is still
     * there after a grace period is stale and removed, so it cannot block commits or start-up.
     */
    private static void removeStaleLocks(Path gitDir) throws IOException {
        List<Path> locks = new ArrayList<>();
        for (String top : List.of("config.lock", "HEAD.lock", "packed-refs.lock"))
            if (Files.exists(gitDir.resolve(top))) locks.add(gitDir.resolve(top));
        if (Files.isDirectory(gitDir.resolve("refs")))
            try (var walk = Files.walk(gitDir.resolve("refs"))) {
                walk.filter(p -> p.getFileName().toString().endsWith(".lock")).forEach(locks::add);
            }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        while (!locks.isEmpty() && System.nanoTime() < deadline) {
            locks.removeIf(p -> !Files.exists(p));
            if (locks.isEmpty()) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for git locks");
            }
        }
        for (Path p : locks) {
            System.getLogger("dockyard.datakit").log(System.Logger.Level.WARNING, "removing stale git lock " + p);
            Files.deleteIfExists(p);
        }
    }

    public static Store open(Path dir) throws IOException { return open(dir, Options.defaults()); }

    public Repository repository() { return repo; }

    public HeadEvents events() { return events; }

    // ---------------------------------------------------------------- branches

    public static void checkBranchName(String name) throws DataKitException {
        if (name == null || name.isEmpty() || name.contains("/") || !Repository.isValidRefName(HEADS + name))
            throw new DataKitException(Kind.INVALID, "invalid branch name '" + name + "'");
    }

    /** Every branch: those with a ref and those made empty with mkdir. */
    public SortedSet<String> branches() {
        SortedSet<String> out = new TreeSet<>(readHeads().keySet());
        out.addAll(emptyBranches);
        return out;
    }

    public boolean branchExists(String name) {
        return emptyBranches.contains(name) || head(name).isPresent();
    }

    /** The head commit of {@code branch}; empty when the branch has no commit or does not exist. */
    public Optional<ObjectId> head(String branch) {
        try {
            Ref ref = repo.exactRef(HEADS + branch);
            return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(ref.getObjectId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void createBranch(String name) throws DataKitException {
        checkBranchName(name);
        if (branchExists(name)) throw new DataKitException(Kind.EXISTS, "branch '" + name + "' already exists");
        emptyBranches.add(name);
    }

    public void deleteBranch(String name) throws DataKitException {
        ReentrantLock lock = lockFor(name);
        lock.lock();
        try {
            boolean wasEmpty = emptyBranches.remove(name);
            Optional<ObjectId> h = head(name);
            if (h.isEmpty()) {
                if (!wasEmpty) throw new DataKitException(Kind.NOT_FOUND, "no branch '" + name + "'");
                return;
            }
            RefUpdate ru = repo.updateRef(HEADS + name);
            ru.setExpectedOldObjectId(h.get());
            ru.setForceUpdate(true);
            RefUpdate.Result r = ru.delete();
            if (r != RefUpdate.Result.FORCED && r != RefUpdate.Result.NO_CHANGE)
                throw new DataKitException(Kind.IO, "cannot delete branch '" + name + "': " + r);
            announce(name, null);
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot delete branch '" + name + "': " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    public void renameBranch(String from, String to) throws DataKitException {
        checkBranchName(to);
        if (branchExists(to)) throw new DataKitException(Kind.EXISTS, "branch '" + to + "' already exists");
        if (emptyBranches.remove(from)) {
            emptyBranches.add(to);
            return;
        }
        Optional<ObjectId> h = head(from);
        if (h.isEmpty()) throw new DataKitException(Kind.NOT_FOUND, "no branch '" + from + "'");
        try {
            RefRename rr = repo.renameRef(HEADS + from, HEADS + to);
            RefUpdate.Result r = rr.rename();
            if (r != RefUpdate.Result.RENAMED) throw new DataKitException(Kind.IO, "cannot rename branch: " + r);
            announce(from, null);
            announce(to, h.get());
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot rename branch: " + e.getMessage(), e);
        }
    }

    /** Moves {@code branch} to {@code commit}, which must descend from the current head. */
    public void fastForward(String branch, ObjectId commit) throws DataKitException {
        ReentrantLock lock = lockFor(branch);
        lock.lock();
        try {
            commitInfo(commit); // must exist and be a commit
            Optional<ObjectId> h = head(branch);
            if (h.isPresent() && !isAncestor(h.get(), commit))
                throw new DataKitException(Kind.CONFLICT, "not a fast-forward: " + commit.name() + " does not descend from " + h.get().name());
            updateRef(branch, h.orElse(null), commit, "fast-forward");
        } finally {
            lock.unlock();
        }
    }

    public boolean isAncestor(ObjectId ancestor, ObjectId commit) throws DataKitException {
        try (RevWalk rw = new RevWalk(repo)) {
            return rw.isMergedInto(rw.parseCommit(ancestor), rw.parseCommit(commit));
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- commits

    /**
     * Commits a transaction: {@code tree} made on top of {@code parents} (whose first element is the
     * head the transaction started from). When the branch moved on meanwhile, the transaction's
     * changes are merged onto the new head (three-way, file level); a conflict refuses the commit
     * and changes nothing. Returns the new head.
     */
    public ObjectId commit(String branch, ObjectId tree, List<ObjectId> parents, String message) throws DataKitException {
        checkBranchName(branch);
        ReentrantLock lock = lockFor(branch);
        lock.lock();
        try {
            for (int attempt = 0; ; attempt++) {
                Optional<ObjectId> current = head(branch);
                if (current.isEmpty() && !emptyBranches.contains(branch) && !parents.isEmpty())
                    throw new DataKitException(Kind.NOT_FOUND, "branch '" + branch + "' was deleted");
                ObjectId base = parents.isEmpty() ? null : parents.getFirst();
                List<ObjectId> newParents = new ArrayList<>(parents);
                ObjectId newTree = tree;
                if (current.isPresent() && !current.get().equals(base)) {
                    ObjectId baseTree = base == null ? null : commitInfo(base).tree();
                    MergeResult m = mergeTrees(baseTree, tree, commitInfo(current.get()).tree());
                    if (!m.clean())
                        throw new DataKitException(Kind.CONFLICT, "Merge conflict: committing to '" + branch + "', which moved on: " + String.join(", ", m.conflicts()));
                    newTree = m.tree();
                    if (newParents.isEmpty()) newParents.add(current.get()); else newParents.set(0, current.get());
                }
                ObjectId id = writeCommit(newTree, newParents, message);
                if (updateRef(branch, current.orElse(null), id, "commit: " + firstLine(message))) return id;
                if (attempt > 50) throw new DataKitException(Kind.IO, "branch '" + branch + "' keeps changing or stays locked (refs/heads/" + branch + ".lock); commit abandoned");
                backOff(attempt); // another git process holds the ref for a moment: let it finish
            }
        } finally {
            lock.unlock();
        }
    }

    private static void backOff(int attempt) throws DataKitException {
        try {
            Thread.sleep(Math.min(100, 1L << Math.min(attempt, 7)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataKitException(Kind.IO, "interrupted while waiting for the branch lock");
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public ObjectId writeCommit(ObjectId tree, List<ObjectId> parents, String message) throws DataKitException {
        try (ObjectInserter ins = newInserter()) {
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree == null ? emptyTree(ins) : tree);
            cb.setParentIds(parents);
            PersonIdent who = new PersonIdent(options.committer(), java.time.Instant.now());
            cb.setAuthor(who);
            cb.setCommitter(who);
            cb.setMessage(message.endsWith("\n") || message.isEmpty() ? message : message + "\n");
            ObjectId id = ins.insert(cb);
            ins.flush();
            return id;
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot write commit: " + e.getMessage(), e);
        }
    }

    private static ObjectId emptyTree(ObjectInserter ins) throws IOException {
        return ins.insert(new TreeFormatter());
    }

    /** Compare-and-swap of a branch ref; false when someone else moved it first. */
    private boolean updateRef(String branch, ObjectId expected, ObjectId next, String why) throws DataKitException {
        try {
            RefUpdate ru = repo.updateRef(HEADS + branch);
            ru.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
            ru.setNewObjectId(next);
            ru.setForceUpdate(true);
            ru.setRefLogMessage(why, false);
            RefUpdate.Result r = ru.update();
            switch (r) {
                case NEW, FAST_FORWARD, FORCED, NO_CHANGE -> {
                    emptyBranches.remove(branch); // it has a ref now
                    announce(branch, next);
                    return true;
                }
                case LOCK_FAILURE, REJECTED_OTHER_REASON -> { return false; }
                default -> throw new DataKitException(Kind.IO, "cannot update branch '" + branch + "': " + r);
            }
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot update branch '" + branch + "': " + e.getMessage(), e);
        }
    }

    private ReentrantLock lockFor(String branch) {
        return branchLocks.computeIfAbsent(branch, b -> new ReentrantLock());
    }

    public CommitInfo commitInfo(ObjectId id) throws DataKitException {
        try (RevWalk rw = new RevWalk(repo)) {
            RevCommit c = rw.parseCommit(id);
            List<ObjectId> parents = new ArrayList<>();
            for (RevCommit p : c.getParents()) parents.add(p.getId().copy());
            return new CommitInfo(c.getId().copy(), c.getTree().getId().copy(), List.copyOf(parents), c.getFullMessage(),
                    c.getAuthorIdent().getName() + " <" + c.getAuthorIdent().getEmailAddress() + ">", c.getCommitTime());
        } catch (MissingObjectException e) {
            throw new DataKitException(Kind.NOT_FOUND, "no commit " + id.name());
        } catch (org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            throw new DataKitException(Kind.INVALID, id.name() + " is not a commit");
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    /** Resolves a full or abbreviated commit id. */
    public ObjectId resolveCommit(String text) throws DataKitException {
        String t = text.strip();
        if (!t.matches("[0-9a-fA-F]{4,40}")) throw new DataKitException(Kind.INVALID, "not a commit id: '" + t + "'");
        try {
            ObjectId id = repo.resolve(t + "^{commit}");
            if (id == null) throw new DataKitException(Kind.NOT_FOUND, "no commit " + t);
            return id;
        } catch (org.eclipse.jgit.errors.AmbiguousObjectException e) {
            throw new DataKitException(Kind.INVALID, "ambiguous commit id " + t);
        } catch (org.eclipse.jgit.errors.RevisionSyntaxException | IOException e) {
            throw new DataKitException(Kind.NOT_FOUND, "no commit " + t);
        }
    }

    // ---------------------------------------------------------------- objects

    public byte[] readBlob(ObjectId id) throws DataKitException {
        try (ObjectReader r = repo.newObjectReader()) {
            return r.open(id, Constants.OBJ_BLOB).getCachedBytes(Integer.MAX_VALUE);
        } catch (MissingObjectException e) {
            throw new DataKitException(Kind.NOT_FOUND, "no blob " + id.name());
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    public long objectSize(ObjectId id) throws DataKitException {
        try (ObjectReader r = repo.newObjectReader()) {
            return r.getObjectSize(id, ObjectReader.OBJ_ANY);
        } catch (MissingObjectException e) {
            throw new DataKitException(Kind.NOT_FOUND, "no object " + id.name());
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    public boolean isTree(ObjectId id) {
        try (ObjectReader r = repo.newObjectReader()) {
            return r.open(id).getType() == Constants.OBJ_TREE;
        } catch (IOException e) {
            return false;
        }
    }

    /** The entries of tree {@code id}, in git order. */
    public List<TreeEntry> readTree(ObjectId id) throws DataKitException {
        List<TreeEntry> out = new ArrayList<>();
        try (TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(id);
            tw.setRecursive(false);
            while (tw.next()) out.add(new TreeEntry(tw.getNameString(), EntryKind.of(tw.getFileMode(0)), tw.getObjectId(0)));
        } catch (MissingObjectException e) {
            throw new DataKitException(Kind.NOT_FOUND, "no tree " + id.name());
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
        return out;
    }

    /** The entry at slash-separated {@code path} below tree {@code root} ("" is the root itself). */
    public Optional<TreeEntry> lookup(ObjectId root, String path) throws DataKitException {
        if (root == null) return Optional.empty();
        if (path.isEmpty()) return Optional.of(new TreeEntry("", EntryKind.DIRECTORY, root));
        try (TreeWalk tw = TreeWalk.forPath(repo, path, root)) {
            if (tw == null) return Optional.empty();
            return Optional.of(new TreeEntry(tw.getNameString(), EntryKind.of(tw.getFileMode(0)), tw.getObjectId(0)));
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    /**
     * Every object we write goes through here. JGit fsyncs loose objects when core.fsyncObjectFiles
     * is set, but command-line git warns on every run about that (deprecated) key, so it is set in
     * memory only, again each time: a reload of the config file would drop it.
     */
    public ObjectInserter newInserter() {
        StoredConfig cfg = repo.getConfig();
        if (cfg.getBoolean(ConfigConstants.CONFIG_CORE_SECTION, "fsyncObjectFiles", false) != options.fsync())
            cfg.setBoolean(ConfigConstants.CONFIG_CORE_SECTION, null, "fsyncObjectFiles", options.fsync());
        return repo.newObjectInserter();
    }

    // ---------------------------------------------------------------- merge and diff

    /**
     * Three-way merge of trees at file granularity (null stands for an empty tree). A path changed
     * on one side only takes that side; changed identically on both is fine; changed differently is
     * a conflict, whose file is replaced by a note naming both versions.
     */
    public MergeResult mergeTrees(ObjectId base, ObjectId ours, ObjectId theirs) throws DataKitException {
        List<String> conflicts = new ArrayList<>();
        try (ObjectInserter ins = newInserter()) {
            ObjectId merged = mergeDir("", base, ours, theirs, ins, conflicts);
            ins.flush();
            return new MergeResult(merged, List.copyOf(conflicts));
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "merge failed: " + e.getMessage(), e);
        }
    }

    private ObjectId mergeDir(String prefix, ObjectId base, ObjectId ours, ObjectId theirs, ObjectInserter ins,
                              List<String> conflicts) throws DataKitException, IOException {
        if (java.util.Objects.equals(ours, theirs)) return ours;
        if (java.util.Objects.equals(base, ours)) return theirs;
        if (java.util.Objects.equals(base, theirs)) return ours;
        Map<String, TreeEntry> b = entries(base), o = entries(ours), t = entries(theirs);
        TreeMap<String, TreeEntry> out = new TreeMap<>();
        TreeSet<String> names = new TreeSet<>();
        names.addAll(b.keySet());
        names.addAll(o.keySet());
        names.addAll(t.keySet());
        for (String name : names) {
            TreeEntry eb = b.get(name), eo = o.get(name), et = t.get(name);
            String path = prefix + name;
            TreeEntry result;
            if (sameEntry(eo, et)) result = eo;
            else if (sameEntry(eb, eo)) result = et;
            else if (sameEntry(eb, et)) result = eo;
            else if (isDir(eo) && isDir(et)) {
                ObjectId sub = mergeDir(path + "/", isDir(eb) ? eb.id() : null, eo.id(), et.id(), ins, conflicts);
                result = sub == null ? null : new TreeEntry(name, EntryKind.DIRECTORY, sub);
            } else {
                conflicts.add(path);
                String note = "** Conflict **\nChanged on both branches.\nours:   " + describe(eo) + "\ntheirs: " + describe(et) + "\n";
                result = new TreeEntry(name, EntryKind.FILE, ins.insert(Constants.OBJ_BLOB, note.getBytes(StandardCharsets.UTF_8)));
            }
            if (result != null) out.put(name, result);
        }
        return writeTree(out.values(), ins);
    }

    private static String describe(TreeEntry e) {
        return e == null ? "deleted" : e.kind().name().toLowerCase() + " " + e.id().name();
    }

    private static boolean isDir(TreeEntry e) { return e != null && e.kind() == EntryKind.DIRECTORY; }

    private static boolean sameEntry(TreeEntry a, TreeEntry b) {
        if (a == null || b == null) return a == b;
        return a.kind() == b.kind() && a.id().equals(b.id());
    }

    private Map<String, TreeEntry> entries(ObjectId tree) throws DataKitException {
        Map<String, TreeEntry> m = new HashMap<>();
        if (tree != null) for (TreeEntry e : readTree(tree)) m.put(e.name(), e);
        return m;
    }

    /** Writes a tree object from entries (any order); returns null for no entries, as git keeps no empty dirs. */
    public static ObjectId writeTree(java.util.Collection<TreeEntry> entries, ObjectInserter ins) throws IOException {
        if (entries.isEmpty()) return null;
        List<TreeEntry> sorted = new ArrayList<>(entries);
        // git orders tree entries by name, comparing a directory's name as if it ended in '/'
        sorted.sort((x, y) -> gitName(x).compareTo(gitName(y)));
        TreeFormatter f = new TreeFormatter();
        for (TreeEntry e : sorted) f.append(e.name(), e.kind().mode, e.id());
        return ins.insert(f);
    }

    private static String gitName(TreeEntry e) { return e.kind() == EntryKind.DIRECTORY ? e.name() + "/" : e.name(); }

    /** DataKit's diff lines ({@code + path}, {@code - path}, {@code * path}) from tree {@code from} to tree {@code to}. */
    public List<String> diff(ObjectId from, ObjectId to) throws DataKitException {
        List<String> out = new ArrayList<>();
        try {
            diffDir("", from, to, out);
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
        return out;
    }

    private void diffDir(String prefix, ObjectId from, ObjectId to, List<String> out) throws DataKitException, IOException {
        if (java.util.Objects.equals(from, to)) return;
        Map<String, TreeEntry> a = entries(from), b = entries(to);
        TreeSet<String> names = new TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String n : names) {
            TreeEntry x = a.get(n), y = b.get(n);
            if (sameEntry(x, y)) continue;
            String p = prefix + n;
            if (isDir(x) || isDir(y)) {
                diffDir(p + "/", isDir(x) ? x.id() : null, isDir(y) ? y.id() : null, out);
                if (x != null && !isDir(x)) out.add("- " + p);
                if (y != null && !isDir(y)) out.add("+ " + p);
            } else if (x == null) out.add("+ " + p);
            else if (y == null) out.add("- " + p);
            else out.add("* " + p);
        }
    }

    /** Tree of a commit, or null for "no commit". */
    public ObjectId treeOf(ObjectId commit) throws DataKitException {
        return commit == null ? null : commitInfo(commit).tree();
    }

    // ---------------------------------------------------------------- remotes

    public SortedSet<String> remotes() {
        return new TreeSet<>(repo.getConfig().getSubsections(ConfigConstants.CONFIG_REMOTE_SECTION));
    }

    public synchronized void addRemote(String name) throws DataKitException {
        checkBranchName(name); // same rules: a ref component
        if (remotes().contains(name)) throw new DataKitException(Kind.EXISTS, "remote '" + name + "' already exists");
        setRemoteUrl(name, "");
    }

    public synchronized void removeRemote(String name) throws DataKitException {
        if (!remotes().contains(name)) throw new DataKitException(Kind.NOT_FOUND, "no remote '" + name + "'");
        StoredConfig cfg = repo.getConfig();
        cfg.unsetSection(ConfigConstants.CONFIG_REMOTE_SECTION, name);
        save(cfg);
    }

    public String remoteUrl(String name) {
        String u = repo.getConfig().getString(ConfigConstants.CONFIG_REMOTE_SECTION, name, ConfigConstants.CONFIG_KEY_URL);
        return u == null ? "" : u;
    }

    public synchronized void setRemoteUrl(String name, String url) throws DataKitException {
        if (!url.isEmpty()) {
            try {
                new URIish(url);
            } catch (java.net.URISyntaxException e) {
                throw new DataKitException(Kind.INVALID, "bad remote url '" + url + "': " + e.getMessage());
            }
        }
        StoredConfig cfg = repo.getConfig();
        cfg.setString(ConfigConstants.CONFIG_REMOTE_SECTION, name, ConfigConstants.CONFIG_KEY_URL, url);
        cfg.setString(ConfigConstants.CONFIG_REMOTE_SECTION, name, "fetch", "+refs/heads/*:refs/remotes/" + name + "/*");
        save(cfg);
    }

    private static void save(StoredConfig cfg) throws DataKitException {
        try {
            cfg.save();
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, "cannot save git config: " + e.getMessage(), e);
        }
    }

    /** Fetches {@code branch} of remote {@code name} into refs/remotes/NAME/BRANCH; returns the fetched commit. */
    public ObjectId fetch(String name, String branch) throws DataKitException {
        checkBranchName(branch);
        String url = remoteUrl(name);
        if (url.isEmpty()) throw new DataKitException(Kind.INVALID, "remote '" + name + "' has no url; write one to remotes/" + name + "/url");
        String dst = Constants.R_REMOTES + name + "/" + branch;
        try (Git git = new Git(repo)) {
            FetchResult r = git.fetch().setRemote(url).setRefSpecs(new RefSpec("+" + HEADS + branch + ":" + dst)).call();
            Ref ref = repo.exactRef(dst);
            if (ref == null || r.getAdvertisedRef(HEADS + branch) == null)
                throw new DataKitException(Kind.NOT_FOUND, "remote '" + name + "' has no branch '" + branch + "'");
            return ref.getObjectId();
        } catch (GitAPIException | IOException e) {
            throw new DataKitException(Kind.IO, "fetch from " + url + " failed: " + e.getMessage(), e);
        }
    }

    /** Pushes local {@code branch} to {@code remoteBranch} of remote {@code name}. */
    public void push(String name, String branch, String remoteBranch) throws DataKitException {
        checkBranchName(branch);
        checkBranchName(remoteBranch);
        String url = remoteUrl(name);
        if (url.isEmpty()) throw new DataKitException(Kind.INVALID, "remote '" + name + "' has no url");
        if (head(branch).isEmpty()) throw new DataKitException(Kind.NOT_FOUND, "branch '" + branch + "' has no commit to push");
        try (Git git = new Git(repo)) {
            Iterable<PushResult> results = git.push().setRemote(url)
                    .setRefSpecs(new RefSpec(HEADS + branch + ":" + HEADS + remoteBranch)).call();
            for (PushResult pr : results)
                for (RemoteRefUpdate u : pr.getRemoteUpdates())
                    if (u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE)
                        throw new DataKitException(Kind.CONFLICT, "push to " + url + " refused: " + u.getStatus()
                                + (u.getMessage() == null ? "" : " (" + u.getMessage() + ")"));
        } catch (GitAPIException e) {
            throw new DataKitException(Kind.IO, "push to " + url + " failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- change notification

    private Map<String, ObjectId> readHeads() {
        Map<String, ObjectId> m = new HashMap<>();
        try {
            for (Ref r : repo.getRefDatabase().getRefsByPrefix(HEADS))
                if (r.getObjectId() != null) m.put(r.getName().substring(HEADS.length()), r.getObjectId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /** Records a head we just set (or null: deleted) and wakes the streams if it is news. */
    private void announce(String branch, ObjectId head) {
        synchronized (knownLock) {
            ObjectId before = head == null ? knownHeads.remove(branch) : knownHeads.put(branch, head.copy());
            if (java.util.Objects.equals(before, head)) return;
            events.publish(branch, head);
        }
    }

    /** Notices ref changes made by other processes (command-line git) so live files see them too. */
    private void pollRefs() {
        while (!closed) {
            try {
                Thread.sleep(options.pollMillis());
                Map<String, ObjectId> now = readHeads();
                synchronized (knownLock) {
                    for (var e : now.entrySet())
                        if (!e.getValue().equals(knownHeads.get(e.getKey()))) {
                            knownHeads.put(e.getKey(), e.getValue());
                            events.publish(e.getKey(), e.getValue());
                        }
                    for (String gone : new ArrayList<>(knownHeads.keySet()))
                        if (!now.containsKey(gone)) {
                            knownHeads.remove(gone);
                            events.publish(gone, null);
                        }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) System.getLogger("dockyard.datakit").log(System.Logger.Level.WARNING, "ref poll failed: " + e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        repo.close();
    }

}
