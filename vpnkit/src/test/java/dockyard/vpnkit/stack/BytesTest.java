package dockyard.vpnkit.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BytesTest {
  /** RFC 1071's definition, 16 bits at a time. */
  static int reference(byte[] b, int at, int len) {
    long s = 0;
    int i = at;
    for (; i + 1 < at + len; i += 2) s += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    if (i < at + len) s += (b[i] & 0xff) << 8;
    while ((s >>> 16) != 0) s = (s & 0xffff) + (s >>> 16);
    return (int) (~s & 0xffff);
  }

  @Test
  void theWideChecksumEqualsRfc1071sAtEveryLengthAndOffset() {
    Random r = new Random(3);
    for (int n = 0; n < 3000; n++) {
      byte[] b = new byte[r.nextInt(1600) + 1];
      if (n % 2 == 0) r.nextBytes(b);
      else java.util.Arrays.fill(b, (byte) 0xff); // every word 0xffff: the carries matter
      int at = r.nextInt(b.length), len = r.nextInt(b.length - at + 1);
      assertEquals(reference(b, at, len), Bytes.checksum(b, at, len), "length " + len + " at " + at);
    }
  }
}
