package dockyard.datakit.fs;

import dockyard.datakit.store.DataKitException;
import dockyard.p9.P9Error;

/**
 * The 9P errors of DataKit's filesystem. Clients of the original server (go-datakit among them)
 * compare error strings, not errnos: a walk to a missing name must fail with exactly "No such
 * file or directory" and a walk through a file with "Can't walk from a file", so the filesystem
 * errors below use the original's wording. Each still carries the errno the Linux client shows
 * the user (the original sent none and left Linux to guess from the text).
 */
final class Errors {
    private Errors() {}

    static P9Error noEntry() { return new P9Error(P9Error.ENOENT, "No such file or directory"); }

    static P9Error walkFromFile() { return new P9Error(P9Error.ENOTDIR, "Can't walk from a file"); }

    static P9Error isDirectory() { return new P9Error(P9Error.EISDIR, "Is a directory"); }

    static P9Error notDirectory() { return new P9Error(P9Error.ENOTDIR, "Is not a directory"); }

    /** A write, truncate, chmod or remove of a file that only reports (head, ro/ files, streams). */
    static P9Error readOnlyFile() { return new P9Error(P9Error.EACCES, "Read-only file"); }

    /** A create, rename or removal in a directory whose entries the server makes (/, a branch, ro/). */
    static P9Error readOnlyDirectory() { return new P9Error(P9Error.EACCES, "Directory is read-only"); }

    /** A plain file created where only directories make sense (branch/, transactions/). */
    static P9Error directoriesOnly() { return new P9Error(P9Error.EACCES, "Can only contain directories"); }

    /** Removing a control file. */
    static P9Error notPermitted() { return new P9Error(P9Error.EPERM, "Operation not permitted"); }

    static P9Error alreadyExists() { return new P9Error(P9Error.EEXIST, "Already exists"); }

    /**
     * A store refusal as a filesystem error. Where the original had a fixed phrase for the kind
     * (missing entry, directory in the way, file in the way, name taken) the client gets that
     * phrase; other refusals keep the store's explanation.
     */
    static P9Error of(DataKitException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new P9Error(P9Error.ENOENT, noEntry().getMessage(), e);
            case EXISTS -> new P9Error(P9Error.EEXIST, alreadyExists().getMessage(), e);
            case NOT_DIRECTORY -> new P9Error(P9Error.ENOTDIR, notDirectory().getMessage(), e);
            case IS_DIRECTORY -> new P9Error(P9Error.EISDIR, isDirectory().getMessage(), e);
            default -> explained(e);
        };
    }

    /** A store refusal with the store's own explanation: what a control file's writer is told. */
    static P9Error explained(DataKitException e) {
        int errno = switch (e.kind()) {
            case NOT_FOUND -> P9Error.ENOENT;
            case EXISTS -> P9Error.EEXIST;
            case INVALID -> P9Error.EINVAL;
            // a conflict is not the caller's syntax error: EBUSY says "the state does not allow it now"
            case CONFLICT -> P9Error.EBUSY;
            case NOT_EMPTY -> P9Error.ENOTEMPTY;
            case NOT_DIRECTORY -> P9Error.ENOTDIR;
            case IS_DIRECTORY -> P9Error.EISDIR;
            case TOO_BIG -> P9Error.EFBIG;
            case IO -> P9Error.EIO;
        };
        return new P9Error(errno, e.getMessage(), e);
    }

    /** Runs a store call of a file operation (walk, open, create, remove), translating its refusal. */
    static <T> T call(StoreCall<T> c) throws P9Error {
        try {
            return c.run();
        } catch (DataKitException e) {
            throw of(e);
        }
    }

    static void run(StoreAction a) throws P9Error {
        try {
            a.run();
        } catch (DataKitException e) {
            throw of(e);
        }
    }

    /** Runs a store call on behalf of a command (ctl, merge, fast-forward, fetch): its refusal keeps the store's words. */
    static <T> T command(StoreCall<T> c) throws P9Error {
        try {
            return c.run();
        } catch (DataKitException e) {
            throw explained(e);
        }
    }

    static void commandRun(StoreAction a) throws P9Error {
        try {
            a.run();
        } catch (DataKitException e) {
            throw explained(e);
        }
    }

    @FunctionalInterface interface StoreCall<T> { T run() throws DataKitException; }
    @FunctionalInterface interface StoreAction { void run() throws DataKitException; }
}
