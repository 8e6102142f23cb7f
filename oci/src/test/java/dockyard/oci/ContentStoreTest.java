package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Every file under blobs/, temporary ones included. */
  private List<String> filesUnderBlobs() throws IOException {
    Path blobs = dir.resolve("blobs");
    if (!Files.exists(blobs)) return List.of();
    try (Stream<Path> s = Files.walk(blobs)) {
      return s.filter(Files::isRegularFile).map(p -> blobs.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void putOpenExistsDelete() throws IOException {
    ContentStore store = ContentStore.at(dir);
    byte[] content = utf8("hello blob");
    Descriptor d = store.put(MediaTypes.OCI_LAYER, new ByteArrayInputStream(content));
    assertEquals(Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(content), content.length), d);
    assertTrue(store.exists(d.digest()));
    assertEquals(dir.resolve("blobs/sha256/" + d.digest().hex()), store.path(d.digest()));
    assertArrayEquals(content, Files.readAllBytes(dir.resolve(d.digest().blobPath())));
    try (InputStream in = store.open(d)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(List.of(d.digest()), store.list());
    assertEquals(List.of("sha256/" + d.digest().hex()), filesUnderBlobs());
    assertTrue(store.delete(d.digest()));
    assertFalse(store.exists(d.digest()));
    assertFalse(store.delete(d.digest()));
    BlobNotFoundException e = assertThrows(BlobNotFoundException.class, () -> store.open(d.digest()));
    assertTrue(e.getMessage().contains(d.digest().toString()), e.getMessage());
  }

  @Test
  void aDigestMismatchLeavesNothingAndNamesBothDigests() throws IOException {
    ContentStore store = ContentStore.at(dir);
    byte[] promised = utf8("the promised content");
    byte[] delivered = utf8("the delivered content");
    Digest expected = Digest.sha256(promised);
    DigestMismatchException e = assertThrows(DigestMismatchException.class,
        () -> store.put(expected, -1, new ByteArrayInputStream(delivered)));
    assertTrue(e.getMessage().contains("expected " + expected), e.getMessage());
    assertTrue(e.getMessage().contains("got " + Digest.sha256(delivered)), e.getMessage());
    assertEquals(List.of(), filesUnderBlobs());
    assertFalse(store.exists(expected));
    assertFalse(store.exists(Digest.sha256(delivered)));
  }

  @Test
  void aSizeMismatchLeavesNothingAndStopsReadingAtTheFirstExtraByte() throws IOException {
    ContentStore store = ContentStore.at(dir);
    byte[] content = new byte[10_000];
    Digest d = Digest.sha256(content);
    InputStream endless = new InputStream() {
      @Override public int read() { return 0; }
      @Override public int read(byte[] b, int off, int len) { return len; }
    };
    DigestMismatchException tooLong = assertThrows(DigestMismatchException.class, () -> store.put(d, content.length, endless));
    assertTrue(tooLong.getMessage().contains("expected 10000 bytes, got more"), tooLong.getMessage());
    DigestMismatchException tooShort = assertThrows(DigestMismatchException.class,
        () -> store.put(d, content.length, new ByteArrayInputStream(content, 0, 9_999)));
    assertTrue(tooShort.getMessage().contains("expected 10000 bytes, got 9999"), tooShort.getMessage());
    assertEquals(List.of(), filesUnderBlobs());
    store.put(d, content.length, new ByteArrayInputStream(content));
    assertEquals(List.of(d), store.list());
  }

  @Test
  void anAbandonedWriterLeavesNothing() throws IOException {
    ContentStore store = ContentStore.at(dir);
    try (BlobWriter w = store.writer()) {
      w.write(utf8("half of something"));
      assertEquals(1, filesUnderBlobs().size(), "the temporary file exists while writing");
      assertEquals(List.of(), store.list(), "but it is not a blob");
    }
    assertEquals(List.of(), filesUnderBlobs());
  }

  @Test
  void contentCorruptedOnDiskFailsWhenRead() throws IOException {
    ContentStore store = ContentStore.at(dir);
    Descriptor d = store.putBytes(MediaTypes.OCI_CONFIG, utf8("{\"architecture\":\"amd64\"}"));
    Path file = store.path(d.digest());
    byte[] bytes = Files.readAllBytes(file);
    bytes[3] ^= 0x20;
    Files.write(file, bytes);
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> store.read(d, 1 << 20));
    assertTrue(e.getMessage().startsWith(d.digest().blobPath() + ": digest mismatch: expected " + d.digest()), e.getMessage());
    Files.write(file, utf8("short"));
    e = assertThrows(DigestMismatchException.class, () -> store.open(d));
    assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
    OciException tooBig = assertThrows(OciException.class, () -> store.read(d, 4));
    assertTrue(tooBig.getMessage().contains("over the limit of 4 bytes"), tooBig.getMessage());
  }

  @Test
  void concurrentPutsOfTheSameBlobAllSucceedAndLeaveOneFile() throws Exception {
    ContentStore store = ContentStore.at(dir);
    byte[] content = new byte[3 << 20];
    new Random(42).nextBytes(content);
    Digest d = Digest.sha256(content);
    List<Future<Descriptor>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 16; i++) {
        boolean withDigest = i % 2 == 0;
        results.add(pool.submit(() -> {
          // small reads so that the writes interleave
          InputStream slow = new ByteArrayInputStream(content) {
            @Override public synchronized int read(byte[] b, int off, int len) { return super.read(b, off, Math.min(len, 4096)); }
          };
          if (!withDigest) return store.put(MediaTypes.OCI_LAYER, slow);
          // put(digest, …) would skip a blob already there; the writer always writes
          try (BlobWriter w = ContentStore.at(dir).writer(d, content.length, "concurrent")) {
            slow.transferTo(w);
            return w.commit(MediaTypes.OCI_LAYER);
          }
        }));
      }
      for (Future<Descriptor> f : results) assertEquals(d, f.get().digest());
    }
    assertEquals(List.of("sha256/" + d.hex()), filesUnderBlobs());
    try (InputStream in = store.open(d)) {
      assertArrayEquals(content, in.readAllBytes());
    }
  }
}
