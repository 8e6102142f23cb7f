package dockyard.notary.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** multipart/form-data as notary's client uploads an update: one part per role, the role in the filename. */
final class Multipart {
  private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
  private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"");

  private Multipart() {}

  static Map<String, byte[]> parse(String contentType, byte[] body) throws IOException {
    if (contentType == null || !contentType.startsWith("multipart/form-data")) throw new IOException("an update must be multipart/form-data");
    Matcher m = BOUNDARY.matcher(contentType);
    if (!m.find()) throw new IOException("multipart upload without a boundary");
    byte[] delim = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
    Map<String, byte[]> parts = new LinkedHashMap<>();
    int at = indexOf(body, delim, 0);
    if (at < 0) throw new IOException("multipart upload without parts");
    while (true) {
      int start = at + delim.length;
      if (start + 2 <= body.length && body[start] == '-' && body[start + 1] == '-') break; // the closing delimiter
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      if (headersEnd < 0) throw new IOException("a multipart part without headers");
      String headers = new String(body, start, headersEnd - start, StandardCharsets.ISO_8859_1);
      int next = indexOf(body, delim, headersEnd + 4);
      if (next < 0) throw new IOException("a multipart part is not closed");
      int end = next - 2; // the CRLF before the delimiter
      Matcher f = FILENAME.matcher(headers);
      if (!f.find() || f.group(1).isEmpty()) throw new IOException("a multipart part has no filename (the role)");
      String role = f.group(1).replaceFirst("\\.json$", "");
      if (parts.put(role, java.util.Arrays.copyOfRange(body, headersEnd + 4, Math.max(headersEnd + 4, end))) != null) {
        throw new IOException("role " + role + " uploaded twice");
      }
      at = next;
    }
    return parts;
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }
}
