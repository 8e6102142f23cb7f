package dockyard.oci;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Content-addressed blobs in a directory laid out like an OCI image layout's: {@code
 * blobs/<algorithm>/<hex>} under {@link #root()}. Every blob is verified against its digest
 * when written (before it becomes visible) and again when read (a disk can rot, and files can
 * be edited by hand), so nothing taken from the store is ever other than what its digest names.
 * Safe for concurrent use by threads and processes: writes land by atomic rename.
 */
public final class ContentStore {
  private final Path root;

  private ContentStore(Path root) {
    this.root = root;
  }

  /** A store over {@code dir}; {@code dir/blobs} is created on the first write. */
  public static ContentStore at(Path dir) {
    return new ContentStore(dir.toAbsolutePath().normalize());
  }

  public Path root() {
    return root;
  }

  /** Where the blob lives (or would); for callers that hand files to other tools. */
  public Path path(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm().id()).resolve(digest.hex());
  }

  public boolean exists(Digest digest) {
    return Files.isRegularFile(path(digest), LinkOption.NOFOLLOW_LINKS);
  }

  public long size(Digest digest) throws IOException {
    try {
      return Files.size(path(digest));
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root);
    }
  }

  /**
   * A stream of the blob that fails at its end if the content does not match the digest. Read it
   * to the end (or call {@link VerifyingInputStream#verifyRemaining()}) before trusting it.
   */
  public VerifyingInputStream open(Digest digest) throws IOException {
    return openChecked(digest, -1);
  }

  /** As {@link #open(Digest)}, also checking the descriptor's size, before reading anything. */
  public VerifyingInputStream open(Descriptor descriptor) throws IOException {
    return openChecked(descriptor.digest(), descriptor.size());
  }

  private VerifyingInputStream openChecked(Digest digest, long expectedSize) throws IOException {
    Path file = path(digest);
    InputStream in;
    try {
      in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root);
    }
    try {
      long actualSize = Files.size(file);
      if (expectedSize >= 0 && actualSize != expectedSize) {
        throw actualSize < expectedSize
            ? DigestMismatchException.tooShort(digest.blobPath(), digest, expectedSize, actualSize)
            : DigestMismatchException.tooLong(digest.blobPath(), digest, expectedSize);
      }
      return new VerifyingInputStream(in, digest, expectedSize, digest.blobPath());
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * The whole blob, verified. {@code maxBytes} guards memory against a descriptor (or a file)
   * claiming to be a small JSON document while being a huge layer.
   */
  public byte[] read(Descriptor descriptor, long maxBytes) throws IOException {
    if (descriptor.size() > maxBytes) {
      throw new OciException(descriptor.digest().blobPath() + ": " + descriptor.mediaType() + " of " + descriptor.size()
          + " bytes is over the limit of " + maxBytes + " bytes");
    }
    try (VerifyingInputStream in = open(descriptor)) {
      return in.readAllBytes();
    }
  }

  /** Parses a verified JSON blob; errors name the blob and the field. */
  public <T> T readJson(Descriptor descriptor, Class<T> type, long maxBytes) throws IOException {
    return OciJson.parse(read(descriptor, maxBytes), type, descriptor.digest().blobPath());
  }

  /**
   * Stores a stream of unknown content (sha256). The stream is read to its end, not closed.
   * @return a descriptor with {@code mediaType}
   */
  public Descriptor put(String mediaType, InputStream in) throws IOException {
    try (BlobWriter w = writer(null, -1, "new blob")) {
      in.transferTo(w);
      return w.commit(mediaType);
    }
  }

  /** {@link #put(String, InputStream)} as {@code application/octet-stream}. */
  public Descriptor put(InputStream in) throws IOException {
    return put(MediaTypes.OCTET_STREAM, in);
  }

  /**
   * Stores content that must have {@code expected} digest and {@code size} bytes (-1: any size).
   * A mismatch leaves nothing in the store and names both digests. When the blob is already
   * present the stream is not read at all (it was verified when it was stored).
   */
  public Descriptor put(Digest expected, long size, InputStream in) throws IOException {
    if (exists(expected) && (size < 0 || size(expected) == size)) return Descriptor.of(MediaTypes.OCTET_STREAM, expected, size(expected));
    try (BlobWriter w = writer(expected, size, expected.blobPath())) {
      in.transferTo(w);
      return w.commit(MediaTypes.OCTET_STREAM);
    }
  }

  /** Stores content that must match {@code expected}; returns {@code expected} itself. */
  public Descriptor put(Descriptor expected, InputStream in) throws IOException {
    put(expected.digest(), expected.size(), in);
    return expected;
  }

  public Descriptor putBytes(String mediaType, byte[] content) throws IOException {
    Digest d = Digest.sha256(content);
    return put(d, content.length, new ByteArrayInputStream(content)).withMediaType(mediaType);
  }

  /** Stores {@code value}'s canonical JSON, so equal values always make the same blob. */
  public Descriptor putJson(String mediaType, Object value) throws IOException {
    return putBytes(mediaType, OciJson.canonical(value));
  }

  /**
   * A writer for content produced by the caller (a tar being built). {@code expected} may be null
   * and {@code expectedSize} -1 when unknown. Use with try-with-resources and call commit.
   */
  public BlobWriter writer(Digest expected, long expectedSize, String what) throws IOException {
    return new BlobWriter(this, expected, expectedSize, what);
  }

  public BlobWriter writer() throws IOException {
    return writer(null, -1, "new blob");
  }

  /** Removes the blob; false if it was not there. */
  public boolean delete(Digest digest) throws IOException {
    return Files.deleteIfExists(path(digest));
  }

  /**
   * Every blob in the store, sorted. Files whose names are not digests (temporary files of writes
   * in progress, strays) are not blobs and are left out.
   */
  public List<Digest> list() throws IOException {
    List<Digest> out = new ArrayList<>();
    for (Digest.Algorithm a : Digest.Algorithm.values()) {
      Path dir = root.resolve("blobs").resolve(a.id());
      if (!Files.isDirectory(dir)) continue;
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path p : entries) {
          String name = p.getFileName().toString();
          if (name.length() != a.hexLength()) continue;
          try {
            out.add(new Digest(a, name));
          } catch (IllegalArgumentException notADigest) {
            // a stray file; not ours to judge here
          }
        }
      }
    }
    Collections.sort(out);
    return out;
  }
}
