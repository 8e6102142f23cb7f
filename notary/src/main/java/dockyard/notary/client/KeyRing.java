package dockyard.notary.client;

import dockyard.notary.keys.Certificates;
import dockyard.notary.keys.PrivateKeyFile;
import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The private keys of a trust directory, as notary keeps them: TRUST_DIR/private/KEYID.key, each an
 * encrypted PKCS#8 PEM whose headers say its role (and GUN). Listing reads only the headers; a key
 * is decrypted when something is signed with it.
 */
public final class KeyRing {
  /** A key on disk: its ID, role, GUN ("" for root keys) and file. */
  public record Entry(String keyId, String role, String gun, Path file) {}

  private final Path dir;
  private final Passphrases passphrases;
  /** Keys decrypted so far (by ID): PBKDF2 is paid once per key per process, not per signature. */
  private final Map<String, java.security.PrivateKey> decrypted = new java.util.concurrent.ConcurrentHashMap<>();

  KeyRing(Path dir, Passphrases passphrases) {
    this.dir = dir;
    this.passphrases = passphrases;
  }

  public Path dir() {
    return dir;
  }

  public List<Entry> list() throws IOException {
    if (!Files.isDirectory(dir)) return List.of();
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".key")).sorted().toList()) {
        PrivateKeyFile.Pem pem;
        try {
          pem = PrivateKeyFile.Pem.decode(Files.readString(p, StandardCharsets.US_ASCII));
        } catch (IOException e) {
          continue; // not a key file of ours; notary skips such files too
        }
        String id = p.getFileName().toString();
        out.add(new Entry(id.substring(0, id.length() - 4), pem.headers().getOrDefault("role", ""), pem.headers().getOrDefault("gun", ""), p));
      }
    }
    return out;
  }

  /** The signer for public key {@code k} (a certificate key signs as the certificate's ID), or null if this ring lacks it. */
  public Signer signerFor(TufKey k) throws IOException, GeneralSecurityException {
    String id = Certificates.plain(k).id();
    java.security.PrivateKey known = decrypted.get(id);
    if (known != null) return new Signer(k, known);
    Path f = dir.resolve(id + ".key");
    if (!Files.exists(f)) return null;
    String text = Files.readString(f, StandardCharsets.US_ASCII);
    String role = PrivateKeyFile.Pem.decode(text).headers().getOrDefault("role", "");
    PrivateKeyFile file = PrivateKeyFile.read(text, () -> passphrases.forRole(role, id, false));
    decrypted.put(id, file.signer().privateKey());
    return new Signer(k, file.signer().privateKey());
  }

  /** Stores a key for {@code role} (and {@code gun} unless it is a root key), encrypted with that role's passphrase. */
  public Entry save(Signer s, String role, String gun) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("role", role);
    if (!role.equals("root") && gun != null && !gun.isEmpty()) headers.put("gun", gun);
    PrivateKeyFile f = new PrivateKeyFile(s, headers);
    String pem = f.write(passphrases.forRole(role, f.keyId(), true));
    Files.createDirectories(dir);
    Path target = dir.resolve(f.keyId() + ".key");
    Path tmp = dir.resolve("." + f.keyId() + ".tmp");
    Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: the directory's own permissions have to do
    }
    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new Entry(f.keyId(), role, headers.getOrDefault("gun", ""), target);
  }

  /** Imports a PEM key (encrypted or not) for {@code role}; its role header wins when the file has one. */
  public Entry importKey(Path pemFile, String role, String gun) throws IOException, GeneralSecurityException {
    String text = Files.readString(pemFile, StandardCharsets.US_ASCII);
    PrivateKeyFile.Pem pem = PrivateKeyFile.Pem.decode(text);
    String r = role != null ? role : pem.headers().get("role");
    if (r == null || r.isEmpty()) throw new IOException(pemFile + ": the key names no role: give one with --role");
    String g = gun != null ? gun : pem.headers().getOrDefault("gun", "");
    if (!r.equals("root") && !r.startsWith("targets/") && g.isEmpty()) throw new IOException(pemFile + ": a " + r + " key belongs to one repository: give it with --gun");
    PrivateKeyFile f = PrivateKeyFile.read(text, () -> passphrases.forRole(r, "imported", false));
    return save(f.signer(), r, g);
  }

  /** Deletes the key file for {@code keyId}; false if there is none. */
  public boolean remove(String keyId) throws IOException {
    if (!keyId.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("a key ID is 64 hex digits, not \"" + keyId + "\"");
    return Files.deleteIfExists(dir.resolve(keyId + ".key"));
  }

  /** The first root key in the ring (notary's init reuses one), or null. */
  public Entry rootKey() throws IOException {
    return list().stream().filter(e -> e.role().equals("root")).findFirst().orElse(null);
  }

  /** A root key's signer with its plain (not certificate) public key. */
  public Signer load(Entry e) throws IOException {
    String text = Files.readString(e.file(), StandardCharsets.US_ASCII);
    return PrivateKeyFile.read(text, () -> passphrases.forRole(e.role(), e.keyId(), false)).signer();
  }
}
