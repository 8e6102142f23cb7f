package dockyard.datakit.store;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StoreTest {
    @TempDir Path dir;
    Store store;

    @BeforeEach void open() throws IOException { store = Store.open(dir.resolve("repo")); }

    @AfterEach void close() { store.close(); }

    private ObjectId commitFiles(String branch, String msg, String... pathAndContent) throws DataKitException {
        Transaction tx = Transaction.start(store, branch, "t");
        for (int i = 0; i < pathAndContent.length; i += 2)
            tx.work().put(pathAndContent[i], pathAndContent[i + 1].getBytes(StandardCharsets.UTF_8));
        tx.setMessage(msg);
        return tx.commit();
    }

    private String read(String branch, String path) throws DataKitException {
        ObjectId tree = store.treeOf(store.head(branch).orElseThrow());
        return new String(store.readBlob(store.lookup(tree, path).orElseThrow().id()), StandardCharsets.UTF_8);
    }

    @Test void emptyDirectoryIsInitialisedAsBareRepository() {
        assertTrue(Files.isRegularFile(dir.resolve("repo/HEAD")));
        assertTrue(store.branches().isEmpty());
    }

    @Test void nonGitDirectoryIsRefused() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("x"), "x");
        IOException e = assertThrows(IOException.class, () -> Store.open(other));
        assertTrue(e.getMessage().contains("not a git repository"), e.getMessage());
    }

    @Test void branchLifecycle() throws Exception {
        store.createBranch("master");
        assertTrue(store.branchExists("master"));
        assertTrue(store.head("master").isEmpty());
        assertEquals(DataKitException.Kind.EXISTS, assertThrows(DataKitException.class, () -> store.createBranch("master")).kind());
        assertEquals(DataKitException.Kind.INVALID, assertThrows(DataKitException.class, () -> store.createBranch("bad..name")).kind());
        ObjectId c = commitFiles("master", "first", "a.txt", "hello");
        assertEquals(c, store.head("master").orElseThrow());
        store.renameBranch("master", "main");
        assertFalse(store.branchExists("master"));
        assertEquals(c, store.head("main").orElseThrow());
        store.deleteBranch("main");
        assertFalse(store.branchExists("main"));
    }

    @Test void commitWritesObjectsAndRefOnlyAtCommit() throws Exception {
        store.createBranch("master");
        Transaction tx = Transaction.start(store, "master", "t");
        tx.work().mkdir("src");
        tx.work().createFile("src/main.c", EntryKind.FILE, new byte[0]);
        tx.work().write("src/main.c", 0, ByteBuffer.wrap("int main;".getBytes()));
        assertTrue(store.head("master").isEmpty(), "nothing visible before commit");
        ObjectId c = tx.commit();
        assertEquals("int main;", read("master", "src/main.c"));
        assertEquals("(no commit message)\n", store.commitInfo(c).message(), "as the original names a commit without a message");
        assertThrows(DataKitException.class, tx::commit, "a finished transaction cannot commit twice");
    }

    @Test void abandonedTransactionLeavesBranchUntouched() throws Exception {
        store.createBranch("master");
        ObjectId c = commitFiles("master", "base", "f", "1");
        Transaction tx = Transaction.start(store, "master", "t");
        tx.work().put("f", "2".getBytes());
        tx.close();
        assertEquals(c, store.head("master").orElseThrow());
        assertEquals("1", read("master", "f"));
    }

    @Test void concurrentTransactionsMergeWhenTheyTouchDifferentFiles() throws Exception {
        store.createBranch("master");
        commitFiles("master", "base", "shared", "0");
        Transaction a = Transaction.start(store, "master", "a");
        Transaction b = Transaction.start(store, "master", "b");
        a.work().put("a.txt", "A".getBytes());
        b.work().put("b.txt", "B".getBytes());
        ObjectId ca = a.commit();
        ObjectId cb = b.commit();
        assertEquals(ca, store.commitInfo(cb).parents().getFirst(), "b is rebased onto a");
        assertEquals("A", read("master", "a.txt"));
        assertEquals("B", read("master", "b.txt"));
    }

    @Test void concurrentTransactionsEditingTheSameFileConflict() throws Exception {
        store.createBranch("master");
        commitFiles("master", "base", "shared", "0");
        Transaction a = Transaction.start(store, "master", "a");
        Transaction b = Transaction.start(store, "master", "b");
        a.work().put("shared", "A".getBytes());
        b.work().put("shared", "B".getBytes());
        ObjectId ca = a.commit();
        DataKitException e = assertThrows(DataKitException.class, b::commit);
        assertEquals(DataKitException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("shared"), e.getMessage());
        assertEquals(ca, store.head("master").orElseThrow(), "refused commit changes nothing");
    }

    @Test void mergeInTransactionReportsConflictsUntilResolved() throws Exception {
        store.createBranch("master");
        ObjectId base = commitFiles("master", "base", "f", "base", "same", "s");
        store.createBranch("feature");
        store.fastForward("feature", base);
        ObjectId theirs = commitFiles("feature", "theirs", "f", "theirs", "new", "n");
        commitFiles("master", "ours", "f", "ours");
        Transaction tx = Transaction.start(store, "master", "m");
        List<String> conflicts = tx.merge(theirs);
        assertEquals(List.of("f"), conflicts);
        assertEquals("n", new String(tx.work().readAll("new")), "non-conflicting change merged");
        assertTrue(new String(tx.work().readAll("f")).contains("Conflict"));
        assertEquals(DataKitException.Kind.CONFLICT, assertThrows(DataKitException.class, tx::commit).kind());
        tx.work().put("f", "resolved".getBytes());
        tx.edited("f");
        ObjectId m = tx.commit();
        assertEquals(2, store.commitInfo(m).parents().size());
        assertEquals("resolved", read("master", "f"));
        assertTrue(store.isAncestor(theirs, m));
    }

    @Test void fastForwardRefusesDivergedCommit() throws Exception {
        store.createBranch("a");
        ObjectId c1 = commitFiles("a", "1", "f", "1");
        store.createBranch("b");
        store.fastForward("b", c1);
        ObjectId c2 = commitFiles("a", "2", "f", "2");
        commitFiles("b", "3", "g", "3");
        DataKitException e = assertThrows(DataKitException.class, () -> store.fastForward("b", c2));
        assertTrue(e.getMessage().contains("not a fast-forward"));
    }

    @Test void diffListsAddedRemovedAndModifiedPaths() throws Exception {
        store.createBranch("master");
        ObjectId c1 = commitFiles("master", "1", "keep", "k", "mod", "1", "gone/x", "x");
        Transaction tx = Transaction.start(store, "master", "t");
        tx.work().put("mod", "2".getBytes());
        tx.work().remove("gone/x");
        tx.work().remove("gone");
        tx.work().put("dir/new", "n".getBytes());
        ObjectId c2 = tx.commit();
        assertEquals(List.of("+ dir/new", "- gone/x", "* mod"), store.diff(store.treeOf(c1), store.treeOf(c2)));
    }

    @Test void headEventsSeeLocalCommitsAndForeignRefUpdates() throws Exception {
        store.createBranch("master");
        long before = store.events().latest();
        ObjectId c1 = commitFiles("master", "1", "f", "1");
        assertTrue(store.events().latest() > before);
        long seen = store.events().latest();
        // another process moves the ref (as command-line git would): the poller must notice
        ObjectId c2 = store.writeCommit(store.treeOf(c1), List.of(c1), "foreign");
        Files.writeString(dir.resolve("repo/refs/heads/master"), c2.name() + "\n");
        long after = store.events().awaitAfter(seen, 5000);
        assertTrue(after > seen, "poller published the foreign change");
        assertEquals(c2, store.events().since(seen).getLast().head());
    }

    @Test void workTreeRefusesBadNamesAndNonEmptyRmdir() throws Exception {
        store.createBranch("master");
        Transaction tx = Transaction.start(store, "master", "t");
        WorkTree w = tx.work();
        assertEquals(DataKitException.Kind.INVALID, assertThrows(DataKitException.class, () -> w.mkdir(".git")).kind());
        w.put("d/f", new byte[]{1});
        assertEquals(DataKitException.Kind.NOT_EMPTY, assertThrows(DataKitException.class, () -> w.remove("d")).kind());
        assertEquals(DataKitException.Kind.IS_DIRECTORY, assertThrows(DataKitException.class, () -> w.read("d", 0, 1)).kind());
        w.truncate("d/f", 3);
        assertArrayEquals(new byte[]{1, 0, 0}, w.readAll("d/f"));
        w.rename("d/f", "g");
        assertEquals(List.of("g"), w.list("d"));
    }
}
