package dockyard.p9;

/**
 * A failed 9P request: becomes an Rerror carrying {@code message} and, in 9P2000.u, {@code errno}
 * (the Linux client uses the errno, so it must always be a real one).
 */
public class P9Error extends Exception {
    public static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
            EACCES = 13, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
            EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38,
            ENOTEMPTY = 39, EPROTO = 71, EMSGSIZE = 90, EOPNOTSUPP = 95, ECONNRESET = 104, ETIMEDOUT = 110,
            ECANCELED = 125;

    private final int errno;

    public P9Error(int errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public P9Error(int errno, String message, Throwable cause) {
        super(message, cause, false, false);
        this.errno = errno;
    }

    public int errno() { return errno; }

    public static P9Error noSuchFile(String name) { return new P9Error(ENOENT, "No such file or directory: " + name); }
    public static P9Error notDirectory() { return new P9Error(ENOTDIR, "Not a directory"); }
    public static P9Error isDirectory() { return new P9Error(EISDIR, "Is a directory"); }
    public static P9Error readOnly() { return new P9Error(EROFS, "Read-only file system"); }
    public static P9Error permission(String why) { return new P9Error(EACCES, "Permission denied: " + why); }
    public static P9Error invalid(String why) { return new P9Error(EINVAL, why); }
    public static P9Error exists(String name) { return new P9Error(EEXIST, "File exists: " + name); }
    public static P9Error notSupported(String what) { return new P9Error(EOPNOTSUPP, "Operation not supported: " + what); }
    public static P9Error io(String why, Throwable cause) { return new P9Error(EIO, why, cause); }
}
