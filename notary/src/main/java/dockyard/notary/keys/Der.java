package dockyard.notary.keys;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little ASN.1 DER that key files and certificates need: reading a TLV tree and writing one.
 * The JDK parses and produces keys, but not encrypted PKCS#8 with PBES2 nor certificates, so those
 * envelopes are built here by hand.
 */
final class Der {
  static final int INTEGER = 0x02, BIT_STRING = 0x03, OCTET_STRING = 0x04, NULL = 0x05, OID = 0x06,
      UTF8 = 0x0c, PRINTABLE = 0x13, UTC_TIME = 0x17, GENERALIZED_TIME = 0x18, SEQUENCE = 0x30, SET = 0x31;

  private Der() {}

  /** One parsed element: its tag and its content bytes. */
  record Node(int tag, byte[] content) {
    List<Node> children() throws java.io.IOException {
      return parseAll(content);
    }

    Node child(int i) throws java.io.IOException {
      List<Node> c = children();
      if (i >= c.size()) throw new java.io.IOException("DER: element " + i + " missing in a " + c.size() + "-element sequence");
      return c.get(i);
    }

    BigInteger integer() {
      return new BigInteger(content);
    }

    String oid() {
      StringBuilder s = new StringBuilder();
      long v = 0;
      boolean first = true;
      for (byte b : content) {
        v = (v << 7) | (b & 0x7f);
        if ((b & 0x80) != 0) continue;
        if (first) {
          s.append(v < 80 ? v / 40 : 2).append('.').append(v < 80 ? v % 40 : v - 80);
          first = false;
        } else {
          s.append('.').append(v);
        }
        v = 0;
      }
      return s.toString();
    }
  }

  static Node parse(byte[] der) throws java.io.IOException {
    List<Node> all = parseAll(der);
    if (all.size() != 1) throw new java.io.IOException("DER: expected one element, found " + all.size());
    return all.getFirst();
  }

  static List<Node> parseAll(byte[] b) throws java.io.IOException {
    List<Node> out = new ArrayList<>();
    int i = 0;
    while (i < b.length) {
      if (i + 2 > b.length) throw new java.io.IOException("DER: truncated element");
      int tag = b[i++] & 0xff;
      int len = b[i++] & 0xff;
      if (len > 0x80) {
        int n = len & 0x7f;
        if (n > 3 || i + n > b.length) throw new java.io.IOException("DER: bad length");
        len = 0;
        for (int k = 0; k < n; k++) len = (len << 8) | (b[i++] & 0xff);
      } else if (len == 0x80) {
        throw new java.io.IOException("DER: indefinite length is not DER");
      }
      if (i + len > b.length) throw new java.io.IOException("DER: element runs past its container");
      out.add(new Node(tag, Arrays.copyOfRange(b, i, i + len)));
      i += len;
    }
    return out;
  }

  static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] p : parts) body.writeBytes(p);
    byte[] c = body.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (c.length < 0x80) {
      out.write(c.length);
    } else {
      int n = c.length < 0x100 ? 1 : c.length < 0x10000 ? 2 : 3;
      out.write(0x80 | n);
      for (int k = n - 1; k >= 0; k--) out.write(c.length >> (8 * k));
    }
    out.writeBytes(c);
    return out.toByteArray();
  }

  static byte[] seq(byte[]... parts) {
    return tlv(SEQUENCE, parts);
  }

  static byte[] integer(BigInteger v) {
    return tlv(INTEGER, v.toByteArray());
  }

  static byte[] integer(long v) {
    return integer(BigInteger.valueOf(v));
  }

  static byte[] octets(byte[] b) {
    return tlv(OCTET_STRING, b);
  }

  static byte[] bits(byte[] b) {
    byte[] c = new byte[b.length + 1];
    System.arraycopy(b, 0, c, 1, b.length); // no unused bits
    return tlv(BIT_STRING, c);
  }

  static byte[] oid(String dotted) {
    String[] p = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    base128(out, Long.parseLong(p[0]) * 40 + Long.parseLong(p[1]));
    for (int i = 2; i < p.length; i++) base128(out, Long.parseLong(p[i]));
    return tlv(OID, out.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long v) {
    int n = 1;
    while ((v >> (7 * n)) != 0) n++;
    for (int k = n - 1; k >= 0; k--) out.write((int) ((v >> (7 * k)) & 0x7f) | (k > 0 ? 0x80 : 0));
  }
}
