package dockyard.p9.server;

import dockyard.p9.P9Error;
import dockyard.p9.Stat;
import dockyard.p9.codec.Codec;
import dockyard.p9.codec.Dialect;
import dockyard.p9.codec.ProtocolException;
import dockyard.p9.vfs.Node;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reads of one open directory. The children are snapshotted at open (and again on a rewind to
 * offset 0) so a listing is consistent while the directory changes. Per read(5), each read returns
 * whole stat entries only, and the offset must be 0 or where the previous read ended: directory
 * offsets are positions in this listing, not something a client may seek within.
 */
final class DirectoryReader {
    private final Node dir;
    private final Dialect dialect;
    private List<Node> entries;
    private int next;
    private long offset;

    DirectoryReader(Node dir, Dialect dialect) throws P9Error {
        this.dir = dir;
        this.dialect = dialect;
        this.entries = List.copyOf(dir.children());
    }

    synchronized ByteBuffer read(long requested, int count) throws P9Error {
        if (requested == 0 && (offset != 0 || next != 0)) {
            entries = List.copyOf(dir.children());
            next = 0;
            offset = 0;
        } else if (requested != offset) {
            throw P9Error.invalid("directory read at offset " + requested + "; expected 0 or " + offset);
        }
        List<ByteBuffer> encoded = new ArrayList<>();
        int used = 0;
        for (; next < entries.size(); next++) {
            ByteBuffer e = encode(entries.get(next));
            if (e == null) continue;
            if (e.remaining() > count - used) {
                if (used == 0)
                    throw P9Error.invalid("read count " + count + " is too small for the next directory entry ("
                            + e.remaining() + " bytes)");
                break;
            }
            encoded.add(e);
            used += e.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(used);
        for (ByteBuffer e : encoded) out.put(e);
        offset += used;
        return out.flip();
    }

    /** The entry's stat on the wire, or null if it vanished since the snapshot (it is then skipped). */
    private ByteBuffer encode(Node child) throws P9Error {
        Stat st;
        try {
            st = child.stat();
        } catch (P9Error gone) {
            return null;
        }
        try {
            return Codec.encodeStat(st, dialect);
        } catch (ProtocolException e) {
            throw P9Error.io("cannot list " + st.name() + ": " + e.getMessage(), e);
        }
    }
}
