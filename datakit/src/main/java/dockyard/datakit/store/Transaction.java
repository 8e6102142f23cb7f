package dockyard.datakit.store;

import dockyard.datakit.store.DataKitException.Kind;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A transaction on a branch: a {@link WorkTree} started from the head, a message, a parent list,
 * and, after a merge, the three trees and the paths still in conflict. It lives only in memory
 * until {@link #commit()}, so one cut off leaves the repository as it was.
 */
public final class Transaction {
    /** The three sides of a merge in progress (tree ids; null is an empty tree). */
    public record MergeState(ObjectId ours, ObjectId theirs, ObjectId base) {}

    private final Store store;
    private final String branch;
    private final String name;
    private final ObjectId origin;
    private WorkTree work;
    private String message = "";
    private List<ObjectId> parents;
    private MergeState merge;
    private final SortedSet<String> conflicts = new TreeSet<>();
    private boolean finished;

    private Transaction(Store store, String branch, String name, ObjectId origin) throws DataKitException {
        this.store = store;
        this.branch = branch;
        this.name = name;
        this.origin = origin;
        this.parents = origin == null ? new ArrayList<>() : new ArrayList<>(List.of(origin));
        this.work = WorkTree.of(store, store.treeOf(origin));
    }

    /** Starts a transaction from the current head of {@code branch}. */
    public static Transaction start(Store store, String branch, String name) throws DataKitException {
        if (!store.branchExists(branch)) throw new DataKitException(Kind.NOT_FOUND, "no branch '" + branch + "'");
        return new Transaction(store, branch, name, store.head(branch).orElse(null));
    }

    /** Transaction names are single path components, like file names. */
    public static void checkName(String name) throws DataKitException { WorkTree.checkName(name); }

    public String branch() { return branch; }
    public String name() { return name; }
    /** The head this transaction started from (null for an empty branch). */
    public ObjectId origin() { return origin; }
    public synchronized WorkTree work() { return work; }
    public synchronized String message() { return message; }
    public synchronized void setMessage(String m) { this.message = m; }
    public synchronized boolean finished() { return finished; }
    public synchronized MergeState mergeState() { return merge; }
    public synchronized List<String> conflicts() { return List.copyOf(conflicts); }

    public synchronized String parentsText() {
        StringBuilder sb = new StringBuilder();
        for (ObjectId p : parents) sb.append(p.name()).append('\n');
        return sb.toString();
    }

    /** Replaces the parent list from text: one commit id per line. */
    public synchronized void setParents(String text) throws DataKitException {
        List<ObjectId> ps = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            ObjectId id = store.resolveCommit(line);
            if (!ps.contains(id)) ps.add(id);
        }
        parents = ps;
    }

    /** A path in rw/ was written or removed: it no longer counts as a conflict. */
    public synchronized void edited(String path) { conflicts.remove(path); }

    /**
     * Merges {@code commit} into the work tree: ours = the work tree now, theirs = the commit,
     * base = their common ancestor. Files changed on both sides become conflicts.
     */
    public synchronized List<String> merge(ObjectId commit) throws DataKitException {
        checkOpen();
        CommitInfo theirs = store.commitInfo(commit);
        ObjectId ours = writeTree();
        ObjectId base = parents.isEmpty() ? null : store.treeOf(mergeBase(parents.getFirst(), commit));
        MergeResult r = store.mergeTrees(base, ours, theirs.tree());
        work = WorkTree.of(store, r.tree());
        if (!parents.contains(commit)) parents.add(commit);
        merge = new MergeState(ours, theirs.tree(), base);
        conflicts.addAll(r.conflicts());
        return r.conflicts();
    }

    private ObjectId mergeBase(ObjectId a, ObjectId b) throws DataKitException {
        try (RevWalk rw = new RevWalk(store.repository())) {
            rw.setRevFilter(RevFilter.MERGE_BASE);
            rw.markStart(rw.parseCommit(a));
            rw.markStart(rw.parseCommit(b));
            RevCommit base = rw.next();
            return base == null ? null : base.getId().copy();
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    /** Commits to the branch (merging if it moved on) and ends the transaction; returns the new head. */
    public synchronized ObjectId commit() throws DataKitException {
        checkOpen();
        if (!conflicts.isEmpty())
            throw new DataKitException(Kind.CONFLICT, "conflicts file is not empty"); // the original's words; the file lists them
        ObjectId tree = writeTree();
        String msg = message.isEmpty() ? "(no commit message)" : message; // as the original
        ObjectId id = store.commit(branch, tree, List.copyOf(parents), msg);
        finished = true;
        return id;
    }

    /**
     * Stores the work tree's changed objects and returns its root tree id (null when empty). The
     * objects stay unreferenced until a commit names them; git gc prunes them otherwise.
     */
    public synchronized ObjectId writeTree() throws DataKitException {
        try (ObjectInserter ins = store.newInserter()) {
            ObjectId tree = work.write(ins);
            ins.flush();
            return tree;
        } catch (IOException e) {
            throw new DataKitException(Kind.IO, e.getMessage(), e);
        }
    }

    /** Abandons the transaction; nothing was written. */
    public synchronized void close() { finished = true; }

    private void checkOpen() throws DataKitException {
        if (finished) throw new DataKitException(Kind.INVALID, "transaction " + name + " is already closed");
    }
}
