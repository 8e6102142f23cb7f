package dockyard.oci.tar;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a POSIX tar: ustar headers, with a pax extended header in front of an entry only when
 * ustar cannot hold it exactly (names over 255 bytes or that do not split at a "/", non-ASCII
 * names, sizes of 8 GiB and more, large ids, sub-second times). The output depends on nothing but
 * the entries: no atime, ctime, device or inode numbers, and pax records in sorted order, so the
 * same entries always make the same bytes. The archive ends with the two zero blocks of the
 * standard and no further record padding.
 */
public final class TarWriter implements Closeable {
  private static final byte[] ZEROS = new byte[Ustar.BLOCK];

  private final OutputStream out;
  private boolean finished;
  private boolean broken;

  /** {@code out} is written in whole blocks; give it a buffer if it is a file or socket. */
  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Adds an entry without data: anything but a regular file, or an empty regular file. */
  public void add(TarEntry entry) throws IOException {
    if (entry.size() != 0) throw new IllegalArgumentException(entry.name() + ": " + entry.size() + " bytes of data expected, none given");
    add(entry, InputStream.nullInputStream());
  }

  public void add(TarEntry entry, byte[] data) throws IOException {
    if (data.length != entry.size()) throw new IllegalArgumentException(entry.name() + ": size " + entry.size() + " but " + data.length + " bytes given");
    add(entry, new java.io.ByteArrayInputStream(data));
  }

  /**
   * Adds an entry and copies exactly {@code entry.size()} bytes of {@code data}. Data that ends
   * early, or has more to give (a file that grew while being archived), is an error: the archive
   * would not describe what the caller thinks it does, and the writer refuses further use.
   */
  public void add(TarEntry entry, InputStream data) throws IOException {
    if (finished) throw new IllegalStateException("tar already finished");
    if (broken) throw new IllegalStateException("tar is incomplete after an earlier error");
    broken = true; // until this entry is complete
    writeHeaders(entry);
    long left = entry.size();
    byte[] buf = new byte[(int) Math.min(1 << 16, Math.max(left, 1))];
    while (left > 0) {
      int n = data.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) throw new IOException(entry.name() + ": data ended after " + (entry.size() - left) + " of " + entry.size() + " bytes");
      out.write(buf, 0, n);
      left -= n;
    }
    if (entry.isRegular() && data.read() >= 0) throw new IOException(entry.name() + ": more data than its size of " + entry.size() + " bytes (did it change while being archived?)");
    pad(entry.size());
    broken = false;
  }

  /** Writes the end-of-archive marker; further adds are refused. Does not close the stream. */
  public void finish() throws IOException {
    if (finished) return;
    if (broken) throw new IllegalStateException("tar is incomplete after an earlier error");
    out.write(ZEROS);
    out.write(ZEROS);
    out.flush();
    finished = true;
  }

  /** Finishes the archive (unless an entry failed) and closes the stream. */
  @Override
  public void close() throws IOException {
    try {
      if (!broken) finish();
    } finally {
      out.close();
    }
  }

  private void writeHeaders(TarEntry e) throws IOException {
    String name = e.isDirectory() && !e.name().endsWith("/") ? e.name() + "/" : e.name();
    Map<String, String> pax = new TreeMap<>();
    byte[] header = new byte[Ustar.BLOCK];

    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    int split = Ustar.isAscii(nameBytes) ? splitPoint(nameBytes) : -2;
    if (split == -1) {
      Ustar.putBytes(header, Ustar.NAME, Ustar.NAME_LEN, nameBytes);
    } else if (split >= 0) {
      Ustar.putBytes(header, Ustar.PREFIX, Ustar.PREFIX_LEN, java.util.Arrays.copyOfRange(nameBytes, 0, split));
      Ustar.putBytes(header, Ustar.NAME, Ustar.NAME_LEN, java.util.Arrays.copyOfRange(nameBytes, split + 1, nameBytes.length));
    } else {
      pax.put("path", name);
      Ustar.putAscii(header, Ustar.NAME, Ustar.NAME_LEN, asciiStandIn(name, Ustar.NAME_LEN));
    }

    byte[] linkBytes = e.linkName().getBytes(StandardCharsets.UTF_8);
    if (linkBytes.length <= Ustar.LINKNAME_LEN && Ustar.isAscii(linkBytes)) {
      Ustar.putBytes(header, Ustar.LINKNAME, Ustar.LINKNAME_LEN, linkBytes);
    } else {
      pax.put("linkpath", e.linkName());
      Ustar.putAscii(header, Ustar.LINKNAME, Ustar.LINKNAME_LEN, asciiStandIn(e.linkName(), Ustar.LINKNAME_LEN));
    }

    Ustar.putOctal(header, Ustar.MODE, Ustar.MODE_LEN, e.mode());
    putNumber(header, Ustar.UID, Ustar.UID_LEN, e.uid(), "uid", pax);
    putNumber(header, Ustar.GID, Ustar.GID_LEN, e.gid(), "gid", pax);
    putNumber(header, Ustar.SIZE, Ustar.SIZE_LEN, e.size(), "size", pax);
    Instant t = e.modified();
    if (t.getNano() == 0 && t.getEpochSecond() >= 0 && t.getEpochSecond() <= Ustar.maxOctal(Ustar.MTIME_LEN)) {
      Ustar.putOctal(header, Ustar.MTIME, Ustar.MTIME_LEN, t.getEpochSecond());
    } else {
      pax.put("mtime", paxTime(t));
      Ustar.putOctal(header, Ustar.MTIME, Ustar.MTIME_LEN, Math.clamp(t.getEpochSecond(), 0, Ustar.maxOctal(Ustar.MTIME_LEN)));
    }
    header[Ustar.TYPEFLAG] = (byte) e.type().flag();
    Ustar.putAscii(header, Ustar.MAGIC, Ustar.MAGIC_LEN, "ustar\0");
    Ustar.putAscii(header, Ustar.VERSION, Ustar.VERSION_LEN, "00");
    putName(header, Ustar.UNAME, Ustar.UNAME_LEN, e.userName(), "uname", pax);
    putName(header, Ustar.GNAME, Ustar.GNAME_LEN, e.groupName(), "gname", pax);
    if (e.type().isDevice()) {
      putNumber(header, Ustar.DEVMAJOR, Ustar.DEVMAJOR_LEN, e.devMajor(), null, pax);
      putNumber(header, Ustar.DEVMINOR, Ustar.DEVMINOR_LEN, e.devMinor(), null, pax);
    }

    if (!pax.isEmpty()) writePax(name, t, pax);
    checksum(header);
    out.write(header);
  }

  /** -1: fits the name field; i ≥ 0: split prefix/name at byte i (a "/"); -2: does not fit ustar. */
  private static int splitPoint(byte[] name) {
    if (name.length <= Ustar.NAME_LEN) return -1;
    int from = Math.max(1, name.length - Ustar.NAME_LEN - 1);
    for (int i = from; i < name.length - 1 && i <= Ustar.PREFIX_LEN; i++) {
      if (name[i] == '/') return i;
    }
    return -2;
  }

  private static void putNumber(byte[] h, int off, int len, long value, String paxKey, Map<String, String> pax) {
    if (value <= Ustar.maxOctal(len)) {
      Ustar.putOctal(h, off, len, value);
    } else if (paxKey != null) {
      pax.put(paxKey, Long.toString(value));
      Ustar.putOctal(h, off, len, 0);
    } else {
      // device numbers have no pax key: use GNU base-256, which GNU tar, Go and this reader all read
      h[off] = (byte) 0x80;
      for (int i = len - 1; i > 0; i--, value >>>= 8) h[off + i] = (byte) value;
    }
  }

  private static void putName(byte[] h, int off, int len, String value, String paxKey, Map<String, String> pax) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    if (b.length < len && Ustar.isAscii(b)) Ustar.putBytes(h, off, len, b);
    else pax.put(paxKey, value);
  }

  /**
   * What readers without pax support see in place of a value only the pax header holds exactly:
   * printable ASCII, cut from the front so the file's own name survives.
   */
  private static String asciiStandIn(String s, int len) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    return sb.length() <= len ? sb.toString() : sb.substring(sb.length() - len);
  }

  private static String paxTime(Instant t) {
    java.math.BigDecimal v = java.math.BigDecimal.valueOf(t.getEpochSecond()).add(java.math.BigDecimal.valueOf(t.getNano(), 9));
    return v.stripTrailingZeros().toPlainString();
  }

  private void writePax(String name, Instant t, Map<String, String> pax) throws IOException {
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    for (Map.Entry<String, String> r : pax.entrySet()) records.write(paxRecord(r.getKey(), r.getValue()));
    byte[] data = records.toByteArray();
    byte[] h = new byte[Ustar.BLOCK];
    String base = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    base = base.substring(base.lastIndexOf('/') + 1);
    Ustar.putAscii(h, Ustar.NAME, Ustar.NAME_LEN, asciiStandIn("PaxHeaders/" + base, Ustar.NAME_LEN - 1));
    Ustar.putOctal(h, Ustar.MODE, Ustar.MODE_LEN, 0644);
    Ustar.putOctal(h, Ustar.UID, Ustar.UID_LEN, 0);
    Ustar.putOctal(h, Ustar.GID, Ustar.GID_LEN, 0);
    Ustar.putOctal(h, Ustar.SIZE, Ustar.SIZE_LEN, data.length);
    Ustar.putOctal(h, Ustar.MTIME, Ustar.MTIME_LEN, Math.clamp(t.getEpochSecond(), 0, Ustar.maxOctal(Ustar.MTIME_LEN)));
    h[Ustar.TYPEFLAG] = 'x';
    Ustar.putAscii(h, Ustar.MAGIC, Ustar.MAGIC_LEN, "ustar\0");
    Ustar.putAscii(h, Ustar.VERSION, Ustar.VERSION_LEN, "00");
    checksum(h);
    out.write(h);
    out.write(data);
    pad(data.length);
  }

  /** {@code "<len> key=value\n"} where len counts itself: try the length of the rest, then grow. */
  static byte[] paxRecord(String key, String value) {
    byte[] kv = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
    int len = kv.length;
    int total = len + Integer.toString(len).length();
    if (Integer.toString(total).length() != Integer.toString(len).length()) total = len + Integer.toString(total).length();
    byte[] prefix = Integer.toString(total).getBytes(StandardCharsets.US_ASCII);
    byte[] record = new byte[total];
    System.arraycopy(prefix, 0, record, 0, prefix.length);
    System.arraycopy(kv, 0, record, prefix.length, kv.length);
    return record;
  }

  private static void checksum(byte[] h) {
    long sum = Ustar.unsignedChecksum(h);
    String s = Long.toOctalString(sum);
    for (int i = 0; i < 6 - s.length(); i++) h[Ustar.CHKSUM + i] = '0';
    for (int i = 0; i < s.length(); i++) h[Ustar.CHKSUM + 6 - s.length() + i] = (byte) s.charAt(i);
    h[Ustar.CHKSUM + 6] = 0;
    h[Ustar.CHKSUM + 7] = ' ';
  }

  private void pad(long size) throws IOException {
    long r = size % Ustar.BLOCK;
    if (r != 0) out.write(ZEROS, 0, (int) (Ustar.BLOCK - r));
  }
}
