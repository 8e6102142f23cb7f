package dockyard.datakit.fs;

import dockyard.p9.Qid;

import java.nio.charset.StandardCharsets;

/**
 * Qid paths derived from a node's identity key (its path in the tree, plus whatever makes it
 * unique, such as a transaction's number). The Linux client uses the qid path as the inode number,
 * so it must be stable for a name and distinct between names: a 64-bit FNV-1a hash of the key.
 */
final class Qids {
    private Qids() {}

    static long path(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h & Long.MAX_VALUE;
    }

    static Qid dir(String key) { return Qid.dir(path(key)); }

    static Qid file(String key) { return Qid.file(path(key)); }

    static Qid symlink(String key) { return new Qid(Qid.QTSYMLINK, 0, path(key)); }
}
