package dockyard.oci;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class DigestTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void knownVectors() throws IOException {
    assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.sha256(new byte[0]).toString());
    assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Digest.sha256(ascii("abc")).toString());
    assertEquals("sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
        Digest.sha256(ascii("The quick brown fox jumps over the lazy dog")).toString());
    assertEquals("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        Digest.of(Digest.Algorithm.SHA512, ascii("abc")).toString());
    byte[] million = new byte[1_000_000];
    Arrays.fill(million, (byte) 'a');
    assertEquals("sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        Digest.compute(Digest.Algorithm.SHA256, new ByteArrayInputStream(million)).toString());
  }

  @Test
  void parseAcceptsOnlyWellFormedSupportedDigests() {
    String good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    Digest d = Digest.parse(good);
    assertEquals(Digest.Algorithm.SHA256, d.algorithm());
    assertEquals(good, d.toString());
    assertEquals("blobs/sha256/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d.blobPath());
    for (String bad : new String[] {
        "", "sha256", "sha256:", ":abc", "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", good + "0", "sha256:../../../../etc/passwd",
        "md5:d41d8cd98f00b204e9800998ecf8427e", "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.parse(bad), bad);
      assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Digest.parse("md5:00")).getMessage().contains("unsupported digest algorithm \"md5\""));
  }

  @Test
  void verifyingStreamNamesBothDigestsAtEndOfStream() throws IOException {
    byte[] content = ascii("hello world");
    Digest right = Digest.sha256(content);
    Digest wrong = Digest.sha256(ascii("hello there"));
    try (VerifyingInputStream ok = new VerifyingInputStream(new ByteArrayInputStream(content), right, content.length, "greeting")) {
      assertArrayEquals(content, ok.readAllBytes());
    }
    VerifyingInputStream bad = new VerifyingInputStream(new ByteArrayInputStream(content), wrong, content.length, "greeting");
    DigestMismatchException e = assertThrows(DigestMismatchException.class, bad::readAllBytes);
    assertEquals("greeting: digest mismatch: expected " + wrong + ", got " + right + " (11 bytes)", e.getMessage());
    assertEquals(wrong, e.expected());
    assertEquals(right, e.actual());
    assertThrows(DigestMismatchException.class, bad::read, "the failure is sticky");
  }

  @Test
  void verifyingStreamStopsAtTheFirstByteTooMany() throws IOException {
    byte[] content = new byte[100_000];
    Digest d = Digest.sha256(content);
    InputStream endless = new InputStream() {
      long served;
      @Override public int read() { served++; return 0; }
      @Override public int read(byte[] b, int off, int len) { Arrays.fill(b, off, off + len, (byte) 0); served += len; return len; }
    };
    VerifyingInputStream v = new VerifyingInputStream(endless, d, content.length, "blob");
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> v.transferTo(java.io.OutputStream.nullOutputStream()));
    assertTrue(e.getMessage().contains("expected 100000 bytes, got more"), e.getMessage());
    VerifyingInputStream shortOne = new VerifyingInputStream(new ByteArrayInputStream(new byte[10]), d, content.length, "blob");
    e = assertThrows(DigestMismatchException.class, shortOne::readAllBytes);
    assertTrue(e.getMessage().contains("expected 100000 bytes, got 10"), e.getMessage());
  }

  @Test
  void verifyRemainingChecksWhatAnEarlyStoppingConsumerLeft() throws IOException {
    byte[] content = ascii("{\"a\":1}   trailing bytes that a parser might never read");
    byte[] tampered = content.clone();
    tampered[tampered.length - 1] ^= 1;
    VerifyingInputStream v = new VerifyingInputStream(new ByteArrayInputStream(tampered), Digest.sha256(content), content.length, "doc");
    v.readNBytes(7);
    assertThrows(DigestMismatchException.class, v::verifyRemaining);
    VerifyingInputStream ok = new VerifyingInputStream(new ByteArrayInputStream(content), Digest.sha256(content), content.length, "doc");
    ok.readNBytes(7);
    ok.verifyRemaining();
    ok.verifyRemaining();
  }

  @Property(tries = 200)
  void streamingDigestEqualsOneShotDigestHoweverTheBytesAreRead(@ForAll @Size(max = 5000) byte[] content, @ForAll boolean skipSome) throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(content), Digest.Algorithm.SHA256);
    if (skipSome && content.length > 10) {
      in.read();
      in.skip(5);
      in.readNBytes(3);
    }
    in.transferTo(java.io.OutputStream.nullOutputStream());
    assertEquals(Digest.sha256(content), in.digest());
    assertEquals(content.length, in.size());
  }
}
