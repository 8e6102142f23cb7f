package dockyard.oci.layer;

import dockyard.oci.BlobWriter;
import dockyard.oci.Compression;
import dockyard.oci.DigestMismatchException;
import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.Image;
import dockyard.oci.OciException;
import dockyard.oci.VerifyingInputStream;
import dockyard.oci.fs.SafeFiles;
import dockyard.oci.tar.TarFormatException;
import dockyard.oci.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Unpacks image layers (tar or tar+gzip, told apart by their first bytes) onto a root directory,
 * with OCI whiteouts and without ever writing outside the root (see {@link RootPaths} and
 * {@link LayerApplier} for the rules, README for the list).
 *
 * <p>Nothing half-written: {@link #unpack} builds the whole tree, every layer, in a fresh
 * temporary directory beside the target and renames it into place only when every layer was
 * complete, well-formed and (for blobs from a store) matched its digest; on any failure the
 * temporary directory is removed and the target never appears. {@link #apply} changes an existing
 * root in place and cannot promise that: a failure leaves that root partly changed, so callers
 * apply later layers to a copy (or a snapshot) they can throw away, or use {@link #unpack}.
 */
public final class LayerUnpacker {
  private final UnpackOptions options;

  public LayerUnpacker(UnpackOptions options) {
    this.options = options;
  }

  /** With {@link UnpackOptions#defaults()}. */
  public LayerUnpacker() {
    this(UnpackOptions.defaults());
  }

  /** Something that opens one layer's bytes, named for messages. */
  public interface Source {
    String name();

    InputStream open() throws IOException;

    /** A blob in a store, verified against the descriptor while it is read. */
    static Source of(ContentStore store, Descriptor blob) {
      return new Source() {
        @Override public String name() { return "layer " + blob.digest(); }
        @Override public InputStream open() throws IOException { return store.open(blob); }
      };
    }

    /**
     * A layer unpacked while it is stored: {@code download}'s bytes (a registry's answer, not yet
     * verified) go to the unpacker and, as they are read, into a {@link ContentStore#writer} for
     * {@code blob}. Closing the stream after its end commits the blob, which checks the size and
     * digest (a stream longer than the descriptor fails at once): a mismatch throws from close,
     * so {@link #unpack} removes its temporary tree and the target never appears. The bytes are
     * hashed once, and never written and then read back.
     */
    static Source storing(ContentStore store, Descriptor blob, Source download) {
      return new Source() {
        @Override public String name() { return "layer " + blob.digest(); }
        @Override public InputStream open() throws IOException {
          BlobWriter writer = store.writer(blob.digest(), blob.size(), blob.digest().blobPath());
          InputStream body;
          try {
            body = download.open();
          } catch (IOException | RuntimeException e) {
            writer.close();
            throw e;
          }
          return new StoringInputStream(body, writer, blob.mediaType());
        }
      };
    }

    static Source of(Path file) {
      return new Source() {
        @Override public String name() { return file.toString(); }
        @Override public InputStream open() throws IOException { return Files.newInputStream(file); }
      };
    }
  }

  /** What {@link Source#storing} hands the unpacker: reads go on into the blob writer; close commits after the end. */
  private static final class StoringInputStream extends java.io.FilterInputStream {
    private final BlobWriter writer;
    private final String mediaType;
    private boolean atEnd;
    private boolean closed;

    StoringInputStream(InputStream body, BlobWriter writer, String mediaType) {
      super(body);
      this.writer = writer;
      this.mediaType = mediaType;
    }

    @Override public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n < 0) atEnd = true;
      else writer.write(b, off, n);
      return n;
    }

    @Override public long skip(long n) throws IOException {
      // every byte must reach the writer: skipping reads
      byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
      int r = n <= 0 ? 0 : read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    @Override public boolean markSupported() {
      return false;
    }

    /**
     * After the unpacker failed on these bytes: reads the rest (the writer refuses more than the
     * descriptor's size) and throws the digest or size mismatch, with {@code cause} suppressed, if
     * the download was not the blob. When it was, the blob is stored and this returns.
     */
    void throwIfMismatched(Exception cause) throws DigestMismatchException {
      try {
        if (!atEnd) transferTo(OutputStream.nullOutputStream());
        writer.commit(mediaType);
      } catch (DigestMismatchException m) {
        atEnd = false; // nothing left to commit at close
        m.addSuppressed(cause);
        throw m;
      } catch (IOException other) {
        atEnd = false;
        // the download itself failed too: the unpacker's error stands
      }
    }

    @Override public void close() throws IOException {
      if (closed) return;
      closed = true;
      try (writer; InputStream body = in) {
        if (atEnd) writer.commit(mediaType); // verifies size and digest; throws on a mismatch
      }
    }
  }

  /** Unpacks every layer of {@code image}, base first, from {@code store} into the new directory {@code target}. */
  public void unpack(ContentStore store, Image image, Path target) throws IOException {
    List<Source> sources = new ArrayList<>();
    for (Descriptor layer : image.manifest().layers()) sources.add(Source.of(store, layer));
    unpack(sources, target);
  }

  /**
   * Unpacks {@code layers}, base first, into {@code target}, which must not exist yet; see the class
   * comment for what happens on failure.
   */
  public void unpack(List<Source> layers, Path target) throws IOException {
    Path t = target.toAbsolutePath().normalize();
    if (Files.exists(t, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(t.toString(), null, "unpack target already exists");
    Path parent = t.getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + t.getFileName() + ".unpack-");
    boolean done = false;
    try {
      // the temporary directory is 0700; a root the layers do not describe gets the usual 0755
      Files.setAttribute(tmp, "unix:mode", 0755);
      List<List<String>> directories = new ArrayList<>();
      for (Source layer : layers) {
        try (InputStream in = layer.open()) {
          try {
            directories.addAll(applyStream(in, tmp, layer.name()));
          } catch (IOException | RuntimeException e) {
            // a download that broke the unpacking may be wrong bytes: that is the error to report
            if (in instanceof StoringInputStream s) s.throwIfMismatched(e);
            throw e;
          }
        }
      }
      if (options.durable()) {
        // files were fsynced as they were written; directories hold the names. Walked again: a
        // later layer may have put something else (a fifo, a symlink) where a directory was
        RootPaths tree = new RootPaths(tmp, "");
        for (List<String> real : directories) {
          Path p = tree.stillDirectory(real);
          if (p != null) SafeFiles.fsync(p);
        }
        SafeFiles.fsync(tmp);
      }
      Files.move(tmp, t, StandardCopyOption.ATOMIC_MOVE);
      done = true;
      if (options.durable()) SafeFiles.fsync(parent);
    } finally {
      if (!done) SafeFiles.deleteTree(tmp);
    }
  }

  /**
   * Applies one layer onto an existing {@code root}, in place (not atomic: see the class comment).
   * {@code layer} is read to its end, so a {@link VerifyingInputStream} gets to check its digest;
   * the caller closes it.
   */
  public void apply(InputStream layer, Path root, String name) throws IOException {
    applyStream(layer, root.toAbsolutePath().normalize(), name);
  }

  private List<List<String>> applyStream(InputStream raw, Path root, String name) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
    Compression c = Compression.detect(buffered);
    LayerApplier applier = new LayerApplier(root, options, name);
    try {
      InputStream decompressed = c.decompress(buffered, name);
      applier.apply(new TarReader(decompressed));
      // the tar ends before its stream does (record padding, the gzip trailer): read the rest,
      // which checks a gzip stream's CRC and lets a verifying stream compare the digest
      decompressed.transferTo(OutputStream.nullOutputStream());
      buffered.transferTo(OutputStream.nullOutputStream());
      if (raw instanceof VerifyingInputStream v) v.verifyRemaining();
    } catch (TarFormatException e) {
      throw new TarFormatException(name + ": " + e.getMessage());
    } catch (ZipException | EOFException e) {
      throw new OciException(name + ": corrupt or truncated gzip stream (" + e.getMessage() + ")", e);
    }
    return applier.writtenDirectories();
  }
}
