package dockyard.notary.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.notary.tuf.CanonicalJson;
import dockyard.notary.tuf.Delegations;
import dockyard.notary.tuf.FileMeta;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufException;
import dockyard.notary.tuf.TufKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * notary-server's HTTP API (what Docker Content Trust and the notary CLI speak):
 * {@code GET /v2/} and {@code /_notary_server/health}; {@code GET /v2/GUN/_trust/tuf/ROLE.json},
 * {@code VERSION.ROLE.json} and {@code ROLE.SHA256.json}; {@code GET|POST /v2/GUN/_trust/tuf/ROLE.key}
 * for the keys the server holds (timestamp, and snapshot when a root gives it to the server);
 * {@code POST /v2/GUN/_trust/tuf/} with the multipart files of an update, all checked before
 * anything is stored, after which the server signs a new snapshot (when it holds that key) and a
 * new timestamp; {@code DELETE} of a repository. Errors are notary's JSON shape. State lives in a
 * {@link Persistence} (H2 file or memory), one transaction per update.
 */
public final class NotaryServer implements AutoCloseable {
  static final Pattern META = Pattern.compile("^/v2/(.+)/_trust/tuf/(?:(\\d+)\\.)?([a-z0-9/_-]+?)(?:\\.([0-9a-f]{64}))?\\.json$");
  static final Pattern KEY = Pattern.compile("^/v2/(.+)/_trust/tuf/([a-z]+)\\.key$");
  static final Pattern UPDATE = Pattern.compile("^/v2/(.+)/_trust/tuf/?$");
  static final long MAX_UPDATE = 20 << 20;

  /** One stored version of a role's metadata. */
  record Stored(long version, byte[] bytes, String sha256) {
    /** The hash is computed once: clients fetch snapshots and targets by it on every update. */
    Stored(long version, byte[] bytes) {
      this(version, bytes, HexFormat.of().formatHex(FileMeta.digest("SHA-256", bytes)));
    }
  }

  private Http1Server http; // set once the stored state is loaded
  private final Map<String, Map<String, List<Stored>>> repos = new ConcurrentHashMap<>();
  private final Map<String, Signer> serverKeys = new ConcurrentHashMap<>(); // "GUN role" -> the key the server signs that role with

  private final java.util.function.Consumer<String> log;
  private final Persistence store;

  private NotaryServer(java.util.function.Consumer<String> log, Persistence store) {
    this.log = log;
    this.store = store;
  }

  public static NotaryServer start(InetSocketAddress listen) throws IOException {
    return start(listen, s -> {}, Persistence.memory());
  }

  /**
   * @param log   told of every refused update (what and why)
   * @param store where metadata and the server's keys persist; loaded now
   */
  public static NotaryServer start(InetSocketAddress listen, java.util.function.Consumer<String> log, Persistence store) throws IOException {
    return start(listen, log, store, null);
  }

  /**
   * Loads a certificate chain and its private key (PEM files, as notary-server's tls_cert_file and
   * tls_key_file) into a TLS context for {@link #start(InetSocketAddress, java.util.function.Consumer, Persistence, javax.net.ssl.SSLContext)}.
   */
  public static javax.net.ssl.SSLContext tls(java.nio.file.Path certPem, java.nio.file.Path keyPem) throws IOException {
    try (var in = java.nio.file.Files.newInputStream(certPem)) {
      var chain = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new java.security.cert.Certificate[0]);
      if (chain.length == 0) throw new IOException(certPem + ": no certificate");
      var key = dockyard.notary.keys.PrivateKeyFile.read(java.nio.file.Files.readString(keyPem), () -> {
        throw new IllegalStateException(keyPem + ": the TLS key must not be encrypted");
      }).signer().privateKey();
      char[] none = new char[0];
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, none, chain);
      var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS certificate " + certPem + " / key " + keyPem + ": " + e.getMessage());
    }
  }

  /** @param tls serve HTTPS with this context (see {@link #tls}); null for plain HTTP */
  public static NotaryServer start(InetSocketAddress listen, java.util.function.Consumer<String> log, Persistence store, javax.net.ssl.SSLContext tls)
      throws IOException {
    NotaryServer s = new NotaryServer(log, store);
    s.load();
    // our own HTTP/1.1 server rather than the JDK's: it answers a client speaking the other
    // protocol (TLS to the plain port, plain HTTP to the TLS port) at once, and writes each
    // response in one flush with TCP_NODELAY on
    s.http = Http1Server.start(listen, tls, s::handle, log);
    return s;
  }

  /** A bind failure that names the address, as Go's "listen tcp 127.0.0.1:4443: bind: address already in use" does. */
  static IOException bindError(InetSocketAddress listen, IOException e) {
    String where = listen.getHostString() + ":" + listen.getPort();
    if (e instanceof java.net.BindException) {
      String why = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
      java.net.BindException named = new java.net.BindException(where + ": " + (why.contains("already in use") ? "address already in use" : why));
      named.initCause(e);
      return named;
    }
    return new IOException(where + ": " + e.getMessage(), e);
  }

  private void load() throws IOException {
    for (Persistence.Row r : store.loadFiles()) {
      repos.computeIfAbsent(r.gun(), g -> new ConcurrentHashMap<>()).computeIfAbsent(r.role(), k -> new ArrayList<>())
          .add(new Stored(r.version(), r.bytes()));
    }
    for (Persistence.KeyRow k : store.loadKeys()) {
      try {
        var priv = java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(k.pkcs8()));
        Signer signer = new Signer(new TufKey(k.keyType(), k.publicBytes()), priv);
        (k.pending() ? rotated : serverKeys).put(k.gun() + " " + k.role(), signer);
      } catch (GeneralSecurityException e) {
        throw new IOException("notary database: server key for " + k.gun() + " " + k.role() + " is unreadable: " + e.getMessage());
      }
    }
  }

  private static Persistence.KeyRow keyRow(String gun, String role, boolean pending, Signer k) {
    return new Persistence.KeyRow(gun, role, pending, k.publicKey().keyType(), k.publicKey().publicBytes(), k.privateKey().getEncoded());
  }

  public int port() {
    return http.port();
  }

  private void handle(Http1Server.Exchange ex) throws IOException {
    try {
      String path = ex.path();
      String method = ex.method();
      if (method.equals("GET") && (path.equals("/v2/") || path.equals("/v2") || path.equals("/_notary_server/health"))) {
        reply(ex, 200, "{}".getBytes());
        return;
      }
      Matcher m;
      if (method.equals("POST") && (m = KEY.matcher(path)).matches()) {
        // rotation: a fresh key the next root must name; the old one signs until that root arrives
        if (!m.group(2).equals("timestamp") && !m.group(2).equals("snapshot")) {
          error(ex, 400, "INVALID_ROLE", "the server manages only the timestamp and snapshot keys");
          return;
        }
        reply(ex, 200, CanonicalJson.encode(rotateKey(m.group(1), m.group(2)).publicKey().toJson()));
        return;
      }
      if (method.equals("GET") && (m = KEY.matcher(path)).matches()) {
        if (!m.group(2).equals("timestamp") && !m.group(2).equals("snapshot")) {
          error(ex, 400, "INVALID_ROLE", "the server manages only the timestamp and snapshot keys");
          return;
        }
        reply(ex, 200, CanonicalJson.encode(serverKey(m.group(1), m.group(2)).publicKey().toJson()));
        return;
      }
      if (method.equals("GET") && (m = META.matcher(path)).matches()) {
        Stored s = find(m.group(1), m.group(3), m.group(2), m.group(4));
        if (s == null) error(ex, 404, "METADATA_NOT_FOUND", "no " + m.group(3) + " metadata for " + m.group(1));
        else reply(ex, 200, s.bytes());
        return;
      }
      if (method.equals("POST") && (m = UPDATE.matcher(path)).matches()) {
        update(ex, m.group(1));
        return;
      }
      if (method.equals("DELETE") && (m = UPDATE.matcher(path)).matches()) {
        String gun = m.group(1);
        synchronized (this) {
          store.deleteRepository(gun);
          repos.remove(gun);
          serverKeys.keySet().removeIf(k -> k.startsWith(gun + " "));
          rotated.keySet().removeIf(k -> k.startsWith(gun + " "));
        }
        reply(ex, 200, "{}".getBytes());
        return;
      }
      error(ex, 404, "NOT_FOUND", method + " " + path);
    } catch (RuntimeException e) {
      error(ex, 500, "UNKNOWN", String.valueOf(e.getMessage()));
    }
  }

  private Signer timestampKey(String gun) {
    return serverKey(gun, "timestamp");
  }

  /** Pending rotations: the new key for "GUN role", in use once a root names it. */
  private final Map<String, Signer> rotated = new ConcurrentHashMap<>();

  private synchronized Signer rotateKey(String gun, String role) throws IOException {
    try {
      Signer k = Signer.ecdsa();
      store.saveKey(keyRow(gun, role, true, k));
      rotated.put(gun + " " + role, k);
      return k;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The key the server signs {@code role} of {@code gun} with, made on first request. */
  private synchronized Signer serverKey(String gun, String role) {
    return serverKeys.computeIfAbsent(gun + " " + role, g -> {
      try {
        Signer k = Signer.ecdsa();
        store.saveKey(keyRow(gun, role, false, k));
        return k;
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException("cannot make the " + role + " key of " + gun + ": " + e.getMessage(), e);
      }
    });
  }

  private Stored find(String gun, String role, String version, String sha) {
    List<Stored> all = repos.getOrDefault(gun, Map.of()).get(role);
    if (all == null || all.isEmpty()) return null;
    if (version != null) return all.stream().filter(s -> s.version() == Long.parseLong(version)).findFirst().orElse(null);
    if (sha != null) return all.stream().filter(s -> s.sha256().equals(sha)).findFirst().orElse(null);
    return all.getLast();
  }

  /** Checks every file of the update against the current (or new) root, stores them, and signs a timestamp. */
  private synchronized void update(Http1Server.Exchange ex, String gun) throws IOException {
    byte[] body = readLimited(ex.body());
    if (body == null) {
      error(ex, 400, "MALFORMED_UPLOAD", "an update is limited to " + MAX_UPDATE + " bytes");
      return;
    }
    Map<String, byte[]> files;
    try {
      files = Multipart.parse(ex.header("Content-Type"), body);
    } catch (IOException e) {
      error(ex, 400, "MALFORMED_UPLOAD", e.getMessage());
      return;
    }
    Map<String, List<Stored>> repo = repos.computeIfAbsent(gun, g -> new ConcurrentHashMap<>());
    Instant now = Instant.now();
    Map<String, SignedMetadata> parsed = new HashMap<>();
    try {
      for (var f : files.entrySet()) parsed.put(f.getKey(), SignedMetadata.parse(f.getValue(), f.getKey()));
      // the root that governs this update: the uploaded one (self-signed, and by the old root's keys) or the stored one
      SignedMetadata root = parsed.containsKey("root") ? parsed.get("root") : latest(repo, "root");
      if (root == null) throw new TufException("root: this repository has no root yet; upload one first");
      if (parsed.containsKey("root")) {
        root.verify(SignedMetadata.Role.fromRoot(root.signed(), "root", minVersion(repo, "root")), now);
        SignedMetadata old = latest(repo, "root");
        if (old != null) root.verify(SignedMetadata.Role.fromRoot(old.signed(), "root", 0), now); // a rotation is signed by the old root too
      }
      JsonNode rootSigned = root.signed();
      for (String r : List.of("targets", "snapshot")) {
        if (parsed.containsKey(r)) parsed.get(r).verify(SignedMetadata.Role.fromRoot(rootSigned, r, minVersion(repo, r)), now);
      }
      // delegated roles, parents first: each checked against its parent's delegation (keys, threshold, paths)
      List<String> delegated = parsed.keySet().stream().filter(r -> r.startsWith("targets/")).sorted().toList();
      for (String r : parsed.keySet()) {
        if (!List.of("root", "targets", "snapshot").contains(r) && !r.startsWith("targets/")) throw new TufException(r + ": not a role this server knows");
      }
      for (String r : delegated) {
        String parentName = r.substring(0, r.lastIndexOf('/'));
        List<JsonNode> chain = delegationChain(r, parsed, repo); // refuses a role whose ancestors do not delegate to it
        SignedMetadata parent = parsed.containsKey(parentName) ? parsed.get(parentName) : latest(repo, parentName);
        JsonNode delegation = chain.getLast();
        SignedMetadata m = parsed.get(r);
        m.verify(SignedMetadata.Role.delegated(parent.signed(), delegation, minVersion(repo, r)), now);
        for (var t = m.signed().path("targets").fieldNames(); t.hasNext(); ) {
          String target = t.next();
          if (!Delegations.allowsAll(chain, target)) throw new TufException(r + ": target \"" + target + "\" is outside the role's paths");
        }
      }
      Signer nextSnap = rotated.get(gun + " snapshot");
      boolean serverSnapshot = serverSigns(gun, rootSigned, "snapshot")
          || nextSnap != null && rootSigned.path("roles").path("snapshot").path("keyids").toString().contains(nextSnap.publicKey().id());
      if (!serverSnapshot && !repo.containsKey("snapshot") && !parsed.containsKey("snapshot")) {
        throw new TufException("snapshot: the first update must include one (or the root must give the snapshot role to the server's key)");
      }
      if (serverSnapshot && parsed.containsKey("snapshot")) throw new TufException("snapshot: the server signs this repository's snapshot");
      if (parsed.containsKey("snapshot")) checkSnapshot(parsed.get("snapshot"), files, repo);
      // the timestamp key the root names must be ours
      String ours = timestampKey(gun).publicKey().id();
      Signer nextTs = rotated.get(gun + " timestamp");
      String keyids = rootSigned.path("roles").path("timestamp").path("keyids").toString();
      if (!keyids.contains(ours) && (nextTs == null || !keyids.contains(nextTs.publicKey().id()))) {
        throw new TufException("root: the timestamp role does not name this server's timestamp key " + ours);
      }
    } catch (TufException e) {
      log.accept(gun + ": update refused: " + e.getMessage());
      error(ex, 400, "INVALID_UPDATE", e.getMessage());
      return;
    }
    // the new state is built beside the current one, stored in one transaction, and only then shown
    Map<String, List<Stored>> next = new HashMap<>();
    for (var e : repo.entrySet()) next.put(e.getKey(), new ArrayList<>(e.getValue()));
    List<Persistence.Row> rows = new ArrayList<>();
    for (var f : files.entrySet()) {
      Stored st = new Stored(parsed.get(f.getKey()).version(), f.getValue());
      next.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(st);
      rows.add(new Persistence.Row(gun, f.getKey(), st.version(), st.bytes()));
    }
    List<Persistence.KeyRow> promoted = new ArrayList<>();
    try {
      SignedMetadata root = latest(next, "root");
      Map<String, Signer> signers = new HashMap<>();
      for (String r : List.of("timestamp", "snapshot")) { // a rotated key becomes the key once a root names it
        Signer pending = rotated.get(gun + " " + r);
        if (pending != null && root.signed().path("roles").path(r).path("keyids").toString().contains(pending.publicKey().id())) {
          signers.put(r, pending);
          promoted.add(keyRow(gun, r, false, pending));
        } else {
          Signer current = serverKeys.get(gun + " " + r);
          if (current != null) signers.put(r, current);
        }
      }
      Signer snap = signers.get("snapshot");
      if (snap != null && root.signed().path("roles").path("snapshot").path("keyids").toString().contains(snap.publicKey().id())) {
        rows.add(signSnapshot(gun, next, now, snap));
      }
      rows.add(signTimestamp(gun, next, now, signers.containsKey("timestamp") ? signers.get("timestamp") : timestampKey(gun)));
      store.saveUpdate(rows, promoted);
    } catch (GeneralSecurityException e) {
      error(ex, 500, "UNKNOWN", "could not sign: " + e.getMessage());
      return;
    } catch (IOException e) {
      log.accept(gun + ": " + e.getMessage());
      error(ex, 500, "DATABASE_ERROR", e.getMessage());
      return;
    }
    repo.putAll(next);
    for (Persistence.KeyRow k : promoted) {
      serverKeys.put(gun + " " + k.role(), rotated.remove(gun + " " + k.role()));
    }
    reply(ex, 200, "{}".getBytes());
  }

  /**
   * An uploaded snapshot must record root and targets, and the length and hashes it records for
   * each role must be those of the role's bytes after this update (uploaded or already stored):
   * otherwise clients would be told to trust files the server does not serve.
   */
  private static void checkSnapshot(SignedMetadata snapshot, Map<String, byte[]> files, Map<String, List<Stored>> repo) throws TufException {
    JsonNode meta = snapshot.signed().path("meta");
    for (String required : List.of("root", "targets")) {
      if (!meta.has(required)) throw new TufException("snapshot: records no " + required + " metadata");
    }
    for (var e = meta.fields(); e.hasNext(); ) {
      var f = e.next();
      byte[] current = files.get(f.getKey());
      if (current == null) {
        List<Stored> l = repo.get(f.getKey());
        if (l == null || l.isEmpty()) throw new TufException("snapshot: records " + f.getKey() + ", which this repository does not have");
        current = l.getLast().bytes();
      }
      FileMeta.fromJson(f.getValue(), "snapshot's record of " + f.getKey()).check(current, "snapshot's record of " + f.getKey());
    }
  }

  /** Whether the root gives {@code role} to the key this server holds for it. */
  private boolean serverSigns(String gun, JsonNode rootSigned, String role) {
    Signer k = serverKeys.get(gun + " " + role);
    return k != null && rootSigned.path("roles").path(role).path("keyids").toString().contains(k.publicKey().id());
  }

  /** A role's length, sha256 and sha512, as notary-server records them in a snapshot or timestamp. */
  private static void metaEntry(ObjectNode meta, String role, Stored s) {
    meta.set(role, FileMeta.of(s.bytes()).toJson());
  }

  /** A new snapshot over the current root and targets (and delegated roles), signed with the server's snapshot key. */
  private static Persistence.Row signSnapshot(String gun, Map<String, List<Stored>> repo, Instant now, Signer key) throws GeneralSecurityException {
    List<Stored> snaps = repo.computeIfAbsent("snapshot", k -> new ArrayList<>());
    long version = snaps.isEmpty() ? 1 : snaps.getLast().version() + 1;
    ObjectNode signed = CanonicalJson.object();
    signed.put("_type", "Snapshot");
    signed.put("expires", now.plus(3 * 365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString());
    ObjectNode meta = signed.putObject("meta");
    for (var e : new java.util.TreeMap<>(repo).entrySet()) {
      if (e.getKey().equals("snapshot") || e.getKey().equals("timestamp") || e.getValue().isEmpty()) continue;
      metaEntry(meta, e.getKey(), e.getValue().getLast());
    }
    signed.put("version", version);
    Stored st = new Stored(version, SignedMetadata.sign(signed, List.of(key)).toJson());
    snaps.add(st);
    return new Persistence.Row(gun, "snapshot", version, st.bytes());
  }

  private static Persistence.Row signTimestamp(String gun, Map<String, List<Stored>> repo, Instant now, Signer key) throws GeneralSecurityException {
    Stored snapshot = repo.get("snapshot").getLast();
    List<Stored> ts = repo.computeIfAbsent("timestamp", k -> new ArrayList<>());
    long version = ts.isEmpty() ? 1 : ts.getLast().version() + 1;
    ObjectNode signed = CanonicalJson.object();
    signed.put("_type", "Timestamp");
    signed.put("expires", now.plus(14, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString());
    metaEntry(signed.putObject("meta"), "snapshot", snapshot);
    signed.put("version", version);
    Stored st = new Stored(version, SignedMetadata.sign(signed, List.of(key)).toJson());
    ts.add(st);
    return new Persistence.Row(gun, "timestamp", version, st.bytes());
  }

  /** The delegation entries from targets down to {@code role}, each from its parent as it will be after this update. */
  private static List<JsonNode> delegationChain(String role, Map<String, SignedMetadata> parsed, Map<String, List<Stored>> repo) throws TufException {
    List<JsonNode> chain = new ArrayList<>();
    String[] parts = role.split("/");
    String parentName = parts[0];
    for (int i = 1; i < parts.length; i++) {
      String name = parentName + "/" + parts[i];
      SignedMetadata parent = parsed.containsKey(parentName) ? parsed.get(parentName) : latest(repo, parentName);
      if (parent == null) throw new TufException(role + ": " + parentName + " does not exist");
      JsonNode entry = null;
      for (JsonNode d : parent.signed().path("delegations").path("roles")) if (d.path("name").asText().equals(name)) entry = d;
      if (entry == null) throw new TufException(role + ": " + parentName + " does not delegate to " + name);
      chain.add(entry);
      parentName = name;
    }
    return chain;
  }

  private static SignedMetadata latest(Map<String, List<Stored>> repo, String role) throws TufException {
    List<Stored> l = repo.get(role);
    return l == null || l.isEmpty() ? null : SignedMetadata.parse(l.getLast().bytes(), role);
  }

  private static long minVersion(Map<String, List<Stored>> repo, String role) {
    List<Stored> l = repo.get(role);
    return l == null || l.isEmpty() ? 1 : l.getLast().version() + 1;
  }

  private static byte[] readLimited(InputStream in) throws IOException {
    byte[] b = in.readNBytes((int) MAX_UPDATE + 1);
    return b.length > MAX_UPDATE ? null : b;
  }

  private static void reply(Http1Server.Exchange ex, int status, byte[] body) throws IOException {
    ex.respond(status, "application/json", body);
  }

  /** notary's error shape: {"errors":[{"code","message","detail"}]}. */
  private static void error(Http1Server.Exchange ex, int status, String code, String message) throws IOException {
    ObjectNode n = CanonicalJson.object();
    n.putArray("errors").addObject().put("code", code).put("message", message).put("detail", message);
    reply(ex, status, n.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    if (http != null) http.close();
    try {
      store.close();
    } catch (IOException e) {
      log.accept("closing the database: " + e.getMessage());
    }
  }
}
