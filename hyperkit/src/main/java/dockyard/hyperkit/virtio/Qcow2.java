package dockyard.hyperkit.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A qcow2 image (versions 2 and 3) as a {@link BlockBackend}, read and write, as HyperKit's qcow
 * backend serves Docker Desktop's disk: unallocated clusters read as zeros, a write to one
 * allocates a cluster at the end of the file (with its L2 table and refcount block when needed)
 * and updates the refcounts before the mapping, so `qemu-img check` finds the image consistent.
 * Backing files, snapshots, encryption, compressed clusters and external data files are refused
 * when the image is opened (or, for compressed clusters, when one is read).
 */
public final class Qcow2 implements BlockBackend {
  static final int MAGIC = 0x514649fb;
  static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L, COPIED = 1L << 63, COMPRESSED = 1L << 62, ZERO = 1L;

  private final FileChannel ch;
  private final Path file;
  private final boolean readOnly;
  private final int clusterBits, clusterSize, l2Entries, refcountBits;
  private final long size, l1Offset, refTableOffset;
  private final int l1Size, refTableEntries;
  private final long[] l1;
  private long fileEnd;

  private Qcow2(FileChannel ch, Path file, boolean readOnly, ByteBuffer h) throws IOException {
    this.ch = ch;
    this.file = file;
    this.readOnly = readOnly;
    int version = h.getInt(4);
    if (version != 2 && version != 3) throw new IOException(file + ": qcow2 version " + version + " is not supported");
    if (h.getLong(8) != 0) throw new IOException(file + ": qcow2 images with a backing file are not supported");
    clusterBits = h.getInt(20);
    if (clusterBits < 9 || clusterBits > 21) throw new IOException(file + ": cluster_bits " + clusterBits + " out of range");
    clusterSize = 1 << clusterBits;
    l2Entries = clusterSize / 8;
    size = h.getLong(24);
    if (h.getInt(32) != 0) throw new IOException(file + ": encrypted qcow2 images are not supported");
    l1Size = h.getInt(36);
    l1Offset = h.getLong(40);
    refTableOffset = h.getLong(48);
    refTableEntries = h.getInt(56) * clusterSize / 8;
    if (h.getInt(60) != 0) throw new IOException(file + ": qcow2 images with snapshots are not supported");
    if (version == 3) {
      long incompatible = h.getLong(72);
      if ((incompatible & ~0L) != 0) throw new IOException(file + ": qcow2 incompatible features 0x" + Long.toHexString(incompatible)
          + " (dirty, corrupt, external data file or compression type) are not supported");
      refcountBits = 1 << h.getInt(96);
    } else {
      refcountBits = 16;
    }
    if (refcountBits != 16) throw new IOException(file + ": refcount width " + refcountBits + " bits is not supported (16 is)");
    if ((long) l1Size * l2Entries * clusterSize < size) throw new IOException(file + ": L1 table too small for the disk size");
    ByteBuffer l1b = ByteBuffer.allocate(l1Size * 8);
    readFully(l1b, l1Offset);
    l1 = new long[l1Size];
    for (int i = 0; i < l1Size; i++) l1[i] = l1b.getLong(i * 8);
    fileEnd = align(ch.size());
  }

  public static Qcow2 open(Path file, boolean readOnly) throws IOException {
    FileChannel ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
        : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ByteBuffer h = ByteBuffer.allocate(104);
      int n = ch.read(h, 0);
      if (n < 72 || h.getInt(0) != MAGIC) throw new IOException(file + ": not a qcow2 image");
      return new Qcow2(ch, file, readOnly, h);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private long align(long v) {
    return (v + clusterSize - 1) & -clusterSize;
  }

  @Override public long size() { return size; }
  @Override public boolean readOnly() { return readOnly; }

  private void readFully(ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos);
      if (n < 0) {
        while (b.hasRemaining()) b.put((byte) 0); // past the end of the file reads as zeros
        break;
      }
      pos += n;
    }
    b.flip();
  }

  private void writeFully(ByteBuffer b, long at) throws IOException {
    long pos = at;
    while (b.hasRemaining()) pos += ch.write(b, pos);
  }

  private long readLong(long at) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8);
    readFully(b, at);
    return b.getLong(0);
  }

  private void writeLong(long at, long v) throws IOException {
    writeFully(ByteBuffer.allocate(8).putLong(0, v), at);
  }

  /** The host offset of guest cluster {@code index}, or 0 when it reads as zeros. */
  private long lookup(long index) throws IOException {
    int l1i = (int) (index / l2Entries);
    long l2 = l1[l1i] & OFFSET_MASK;
    if (l2 == 0) return 0;
    long e = readLong(l2 + (index % l2Entries) * 8);
    if ((e & COMPRESSED) != 0) throw new IOException(file + ": compressed clusters are not supported");
    if ((e & ZERO) != 0) return 0;
    return e & OFFSET_MASK;
  }

  @Override
  public synchronized void read(long offset, ByteBuffer dst) throws IOException {
    long pos = offset;
    while (dst.hasRemaining()) {
      long index = pos >>> clusterBits;
      int in = (int) (pos & (clusterSize - 1));
      int n = Math.min(dst.remaining(), clusterSize - in);
      long host = lookup(index);
      ByteBuffer part = dst.slice(dst.position(), n);
      if (host == 0) {
        while (part.hasRemaining()) part.put((byte) 0);
      } else {
        readFully(part, host + in);
      }
      dst.position(dst.position() + n);
      pos += n;
    }
  }

  @Override
  public synchronized void write(long offset, ByteBuffer src) throws IOException {
    if (readOnly) throw new IOException(file + ": read-only");
    long pos = offset;
    while (src.hasRemaining()) {
      long index = pos >>> clusterBits;
      int in = (int) (pos & (clusterSize - 1));
      int n = Math.min(src.remaining(), clusterSize - in);
      long host = lookup(index);
      if (host == 0) host = allocateData(index);
      ByteBuffer part = src.slice(src.position(), n);
      writeFully(part, host + in);
      src.position(src.position() + n);
      pos += n;
    }
  }

  /** A new zeroed cluster for guest cluster {@code index}, mapped (refcounts first, then L2, then L1). */
  private long allocateData(long index) throws IOException {
    int l1i = (int) (index / l2Entries);
    long l2 = l1[l1i] & OFFSET_MASK;
    if (l2 == 0) {
      l2 = allocateCluster();
      writeLong(l1Offset + l1i * 8L, l2 | COPIED);
      l1[l1i] = l2 | COPIED;
    }
    long data = allocateCluster();
    writeLong(l2 + (index % l2Entries) * 8, data | COPIED);
    return data;
  }

  /** Appends a zeroed cluster with refcount 1 (adding a refcount block when its range has none). */
  private long allocateCluster() throws IOException {
    long at = fileEnd;
    fileEnd += clusterSize;
    writeFully(ByteBuffer.allocate(clusterSize), at);
    setRefcount(at, 1);
    return at;
  }

  private void setRefcount(long hostOffset, int count) throws IOException {
    long cluster = hostOffset >>> clusterBits;
    long perBlock = clusterSize * 8L / refcountBits;
    int ti = (int) (cluster / perBlock);
    if (ti >= refTableEntries) throw new IOException(file + ": the refcount table is full (image grew past what it can describe)");
    long block = readLong(refTableOffset + ti * 8L) & OFFSET_MASK;
    if (block == 0) {
      block = fileEnd;
      fileEnd += clusterSize;
      writeFully(ByteBuffer.allocate(clusterSize), block);
      writeLong(refTableOffset + ti * 8L, block);
      // the new block needs a count of its own: it lies in its own range or a later one
      setRefcount(block, 1);
    }
    ByteBuffer b = ByteBuffer.allocate(2).putShort(0, (short) count);
    writeFully(b, block + (cluster % perBlock) * 2);
  }

  @Override
  public synchronized void flush() throws IOException {
    ch.force(true);
  }

  @Override
  public synchronized void close() throws IOException {
    ch.close();
  }
}
