package dockyard.datakit.fs;

import dockyard.datakit.store.DataKitException;
import dockyard.p9.P9Error;

/** Turns store refusals into 9P errors with the errno the Linux client shows the user. */
final class Errors {
    private Errors() {}

    static P9Error of(DataKitException e) {
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

    /** Runs a store call, translating its refusal. */
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

    @FunctionalInterface interface StoreCall<T> { T run() throws DataKitException; }
    @FunctionalInterface interface StoreAction { void run() throws DataKitException; }
}
