package dockyard.p9.server;

import dockyard.p9.P9Error;
import dockyard.p9.codec.Codec;
import dockyard.p9.vfs.OpenFile;

/** What an open fid reads from and writes to: a node's {@link OpenFile} or a directory listing. */
sealed interface Opened {
    /** The mode of the Topen/Tcreate (see {@link dockyard.p9.OpenMode}). */
    int mode();

    /** The iounit to announce, at most what fits in one message. */
    int iounit(int maxIo);

    void close() throws P9Error;

    record File(OpenFile file, int mode) implements Opened {
        @Override public int iounit(int maxIo) {
            int unit = file.iounit();
            return unit > 0 ? Math.min(unit, maxIo) : 0;
        }

        @Override public void close() throws P9Error { file.close(); }
    }

    record Directory(DirectoryReader reader, int mode) implements Opened {
        @Override public int iounit(int maxIo) { return 0; }

        @Override public void close() {}
    }

    /** The largest data count of one Rread/Twrite for a negotiated msize. */
    static int maxIo(int msize) { return msize - Codec.IOHDRSZ; }
}
