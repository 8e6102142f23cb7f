package dockyard.oci.tar;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry: ustar, pax extended headers ({@code x} and global {@code g}:
 * path, linkpath, size, uid, gid, uname, gname, mtime), GNU long names and long link names
 * ({@code L}, {@code K}) and GNU base-256 numbers. Every header's checksum is verified. Anything
 * that could make the listing lie is an error rather than a guess: a truncated archive (including
 * one missing its end-of-archive blocks), a corrupt header, names that are not UTF-8, sparse files,
 * and entry types it does not know. Errors give the byte offset of the header at fault.
 *
 * <pre>{@code
 * try (TarReader tar = new TarReader(in)) {
 *   for (TarEntry e; (e = tar.next()) != null; ) { if (e.isRegular()) tar.contents().transferTo(out); }
 * }
 * }</pre>
 */
public final class TarReader implements Closeable {
  /** pax and GNU long-name payloads are metadata: no legitimate one comes near this. */
  private static final int MAX_METADATA = 1 << 20;

  private final InputStream in;
  private final Map<String, String> globalPax = new HashMap<>();
  private long position;
  private long remaining;
  private long padding;
  private TarEntry current;
  private long currentOffset;
  private boolean ended;
  private EntryStream contents;

  /** {@code in} is buffered here (no need to wrap it); closing the reader closes it. */
  public TarReader(InputStream in) {
    this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
  }

  /** The next entry, or null after the end-of-archive marker. Skips whatever was left unread of the previous one. */
  public TarEntry next() throws IOException {
    if (ended) return null;
    skipRest();
    Map<String, String> pax = new HashMap<>();
    String gnuLongName = null;
    String gnuLongLink = null;
    boolean pending = false;
    while (true) {
      long headerOffset = position;
      byte[] h = readBlock(true);
      if (h == null) {
        throw new TarFormatException("truncated tar: the archive ends at offset " + headerOffset
            + " without its end-of-archive marker" + (current == null ? "" : " (last entry: " + current.name() + ")"));
      }
      if (Ustar.isZero(h)) {
        byte[] second = readBlock(true);
        if (second != null && !Ustar.isZero(second)) {
          throw new TarFormatException("corrupt tar: a lone zero block at offset " + headerOffset + " is followed by data");
        }
        if (pending) throw new TarFormatException("corrupt tar: extended header at the end of the archive describes no entry");
        ended = true;
        current = null;
        return null;
      }
      checkChecksum(h, headerOffset);
      char flag = (char) (h[Ustar.TYPEFLAG] & 0xff);
      long size = number(h, Ustar.SIZE, Ustar.SIZE_LEN, "size", headerOffset);
      switch (flag) {
        case 'x' -> {
          pax.putAll(parsePax(readMetadata(size, "pax header", headerOffset), headerOffset));
          pending = true;
          continue;
        }
        case 'g' -> {
          globalPax.putAll(parsePax(readMetadata(size, "pax global header", headerOffset), headerOffset));
          continue;
        }
        case 'L' -> {
          gnuLongName = utf8(cstring(readMetadata(size, "GNU long name", headerOffset)), "GNU long name", headerOffset);
          pending = true;
          continue;
        }
        case 'K' -> {
          gnuLongLink = utf8(cstring(readMetadata(size, "GNU long link name", headerOffset)), "GNU long link name", headerOffset);
          pending = true;
          continue;
        }
        default -> {}
      }
      Map<String, String> merged = new HashMap<>(globalPax);
      merged.putAll(pax);
      current = entry(h, flag, size, merged, gnuLongName, gnuLongLink, headerOffset);
      currentOffset = headerOffset;
      // header-only types carry no data whatever their size field says (as POSIX and Go read them)
      long dataSize = current.isRegular() ? current.size() : 0;
      remaining = dataSize;
      padding = padding(dataSize);
      contents = new EntryStream();
      return current;
    }
  }

  /** The data of the entry {@link #next()} returned last; empty for all but regular files. */
  public InputStream contents() {
    if (current == null) throw new IllegalStateException("no current entry");
    return contents;
  }

  /** Bytes consumed from the underlying stream (for messages). */
  public long position() {
    return position;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private TarEntry entry(byte[] h, char flag, long headerSize, Map<String, String> pax, String longName, String longLink, long at)
      throws TarFormatException {
    String magic = new String(h, Ustar.MAGIC, Ustar.MAGIC_LEN, StandardCharsets.ISO_8859_1);
    boolean posix = magic.equals("ustar\0");
    boolean gnu = magic.equals("ustar ");
    String name;
    if (pax.containsKey("path")) name = pax.get("path");
    else if (longName != null) name = longName;
    else {
      name = utf8(cstring(h, Ustar.NAME, Ustar.NAME_LEN), "name", at);
      // the prefix field exists only in POSIX ustar; GNU keeps other things (atime, ctime) there
      if (posix) {
        String prefix = utf8(cstring(h, Ustar.PREFIX, Ustar.PREFIX_LEN), "prefix", at);
        if (!prefix.isEmpty()) name = prefix + "/" + name;
      }
    }
    if (name.isEmpty()) throw new TarFormatException("corrupt tar: entry at offset " + at + " has an empty name");
    String link = pax.containsKey("linkpath") ? pax.get("linkpath")
        : longLink != null ? longLink : utf8(cstring(h, Ustar.LINKNAME, Ustar.LINKNAME_LEN), "linkname", at);
    TarEntry.Type type = switch (flag) {
      case '0', '\0', '7' -> name.endsWith("/") ? TarEntry.Type.DIRECTORY : TarEntry.Type.REGULAR; // old tars mark dirs by "/"
      case '1' -> TarEntry.Type.HARDLINK;
      case '2' -> TarEntry.Type.SYMLINK;
      case '3' -> TarEntry.Type.CHAR_DEVICE;
      case '4' -> TarEntry.Type.BLOCK_DEVICE;
      case '5' -> TarEntry.Type.DIRECTORY;
      case '6' -> TarEntry.Type.FIFO;
      case 'S' -> throw new TarFormatException("unsupported tar entry " + name + " at offset " + at + ": GNU sparse file");
      default -> throw new TarFormatException("unsupported tar entry " + name + " at offset " + at + ": type '"
          + (flag >= 0x20 && flag < 0x7f ? String.valueOf(flag) : "\\x" + Integer.toHexString(flag)) + "'");
    };
    for (String key : pax.keySet()) {
      if (key.startsWith("GNU.sparse.")) throw new TarFormatException("unsupported tar entry " + name + " at offset " + at + ": GNU sparse file (pax)");
    }
    long size = pax.containsKey("size") ? paxNumber(pax, "size", name, at) : headerSize;
    long uid = pax.containsKey("uid") ? paxNumber(pax, "uid", name, at) : number(h, Ustar.UID, Ustar.UID_LEN, "uid", at);
    long gid = pax.containsKey("gid") ? paxNumber(pax, "gid", name, at) : number(h, Ustar.GID, Ustar.GID_LEN, "gid", at);
    String uname = pax.containsKey("uname") ? pax.get("uname") : (posix || gnu) ? utf8(cstring(h, Ustar.UNAME, Ustar.UNAME_LEN), "uname", at) : "";
    String gname = pax.containsKey("gname") ? pax.get("gname") : (posix || gnu) ? utf8(cstring(h, Ustar.GNAME, Ustar.GNAME_LEN), "gname", at) : "";
    Instant mtime = pax.containsKey("mtime") ? paxTime(pax.get("mtime"), name, at)
        : Instant.ofEpochSecond(number(h, Ustar.MTIME, Ustar.MTIME_LEN, "mtime", at));
    int mode = (int) (number(h, Ustar.MODE, Ustar.MODE_LEN, "mode", at) & 07777); // some writers add S_IFMT bits
    int major = 0, minor = 0;
    if (type.isDevice()) {
      major = (int) Math.min(Integer.MAX_VALUE, number(h, Ustar.DEVMAJOR, Ustar.DEVMAJOR_LEN, "devmajor", at));
      minor = (int) Math.min(Integer.MAX_VALUE, number(h, Ustar.DEVMINOR, Ustar.DEVMINOR_LEN, "devminor", at));
    }
    if ((type == TarEntry.Type.SYMLINK || type == TarEntry.Type.HARDLINK) && link.isEmpty()) {
      throw new TarFormatException("corrupt tar: " + (type == TarEntry.Type.SYMLINK ? "symlink " : "hardlink ") + name + " at offset " + at + " has no target");
    }
    return new TarEntry(name, type, mode, uid, gid, uname, gname, type == TarEntry.Type.REGULAR ? size : 0, mtime,
        type == TarEntry.Type.SYMLINK || type == TarEntry.Type.HARDLINK ? link : "", major, minor);
  }

  private void skipRest() throws IOException {
    if (current == null) return;
    skipFully(remaining + padding, current);
    remaining = 0;
    padding = 0;
  }

  private void skipFully(long n, TarEntry of) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        // skip may return 0 at EOF or for streams that cannot skip: read one byte to tell which
        if (in.read() < 0) throw truncatedData(of);
        skipped = 1;
      }
      left -= skipped;
      position += skipped;
    }
  }

  private TarFormatException truncatedData(TarEntry of) {
    return new TarFormatException("truncated tar: the data of " + of.name() + " (entry at offset " + currentOffset + ", "
        + of.size() + " bytes) ends at offset " + position);
  }

  /** One 512-byte block, or null at a clean end of stream when {@code eofOk}. */
  private byte[] readBlock(boolean eofOk) throws IOException {
    byte[] b = in.readNBytes(Ustar.BLOCK);
    position += b.length;
    if (b.length == 0 && eofOk) return null;
    if (b.length < Ustar.BLOCK) throw new TarFormatException("truncated tar: a header block is cut off at offset " + position);
    return b;
  }

  private byte[] readMetadata(long size, String what, long at) throws IOException {
    if (size > MAX_METADATA) throw new TarFormatException("corrupt tar: " + what + " at offset " + at + " claims " + size + " bytes");
    byte[] data = in.readNBytes((int) size);
    position += data.length;
    if (data.length < size) throw new TarFormatException("truncated tar: " + what + " at offset " + at + " is cut off");
    long pad = padding(size);
    byte[] p = in.readNBytes((int) pad);
    position += p.length;
    if (p.length < pad) throw new TarFormatException("truncated tar: " + what + " at offset " + at + " is cut off");
    return data;
  }

  private static long padding(long size) {
    long r = size % Ustar.BLOCK;
    return r == 0 ? 0 : Ustar.BLOCK - r;
  }

  private static void checkChecksum(byte[] h, long at) throws TarFormatException {
    long stored = Ustar.parseNumber(h, Ustar.CHKSUM, Ustar.CHKSUM_LEN);
    if (stored < 0 || (stored != Ustar.unsignedChecksum(h) && stored != Ustar.signedChecksum(h))) {
      throw new TarFormatException("corrupt tar: bad header checksum at offset " + at + " (not a tar archive, or damaged)");
    }
  }

  private static long number(byte[] h, int off, int len, String field, long at) throws TarFormatException {
    long v = Ustar.parseNumber(h, off, len);
    if (v < 0) throw new TarFormatException("corrupt tar: invalid " + field + " field in the header at offset " + at);
    return v;
  }

  private static long paxNumber(Map<String, String> pax, String key, String name, long at) throws TarFormatException {
    String v = pax.get(key);
    if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new TarFormatException("corrupt tar: pax " + key + "=\"" + v + "\" for " + name + " at offset " + at);
    }
    return Long.parseLong(v);
  }

  private static Instant paxTime(String v, String name, long at) throws TarFormatException {
    try {
      if (v.length() > 40) throw new NumberFormatException();
      BigDecimal t = new BigDecimal(v);
      BigDecimal seconds = t.setScale(0, java.math.RoundingMode.FLOOR);
      long nanos = t.subtract(seconds).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
      return Instant.ofEpochSecond(seconds.longValueExact(), nanos);
    } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException e) {
      throw new TarFormatException("corrupt tar: pax mtime=\"" + v + "\" for " + name + " at offset " + at);
    }
  }

  /** pax records: {@code "<length> <key>=<value>\n"}, the length counting the whole record. */
  private static Map<String, String> parsePax(byte[] data, long at) throws TarFormatException {
    Map<String, String> out = new HashMap<>();
    int pos = 0;
    while (pos < data.length) {
      if (data[pos] == 0) break; // some writers pad the payload with NULs
      int space = pos;
      while (space < data.length && data[space] != ' ') space++;
      int length;
      try {
        length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new TarFormatException("corrupt tar: bad pax record length in the header at offset " + at);
      }
      if (length <= space - pos + 1 || pos + length > data.length || data[pos + length - 1] != '\n') {
        throw new TarFormatException("corrupt tar: bad pax record in the header at offset " + at);
      }
      byte[] record = java.util.Arrays.copyOfRange(data, space + 1, pos + length - 1);
      int eq = 0;
      while (eq < record.length && record[eq] != '=') eq++;
      if (eq == 0 || eq == record.length) throw new TarFormatException("corrupt tar: pax record without key=value in the header at offset " + at);
      String key = utf8(java.util.Arrays.copyOfRange(record, 0, eq), "pax key", at);
      if (!key.startsWith("SCHILY.xattr.") && !key.startsWith("LIBARCHIVE.xattr.")) {
        // xattr values are binary and not interpreted here; everything else is UTF-8 text by the standard
        out.put(key, utf8(java.util.Arrays.copyOfRange(record, eq + 1, record.length), "pax " + key, at));
      }
      pos += length;
    }
    out.values().removeIf(String::isEmpty); // an empty value cancels the key: the header's own field applies
    return out;
  }

  private static byte[] cstring(byte[] data) {
    return Ustar.cstring(data, 0, data.length);
  }

  private static byte[] cstring(byte[] h, int off, int len) {
    return Ustar.cstring(h, off, len);
  }

  private static String utf8(byte[] b, String field, long at) throws TarFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new TarFormatException("unsupported tar entry at offset " + at + ": " + field + " is not valid UTF-8");
    }
  }

  /** The current entry's data: exactly its size, and a truncated archive is an error, not a short file. */
  private final class EntryStream extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (contents != this) return -1; // a stale stream of an earlier entry
      if (remaining == 0) return -1;
      if (len == 0) return 0;
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) throw truncatedData(current);
      remaining -= n;
      position += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      if (contents != this) return 0;
      long want = Math.min(n, remaining);
      skipFully(want, current);
      remaining -= want;
      return want;
    }

    @Override
    public int available() throws IOException {
      return contents != this ? 0 : (int) Math.min(remaining, in.available());
    }
  }
}
