package dockyard.notary.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.notary.keys.Certificates;
import dockyard.notary.tuf.CanonicalJson;
import dockyard.notary.tuf.FileMeta;
import dockyard.notary.tuf.SignedMetadata;
import dockyard.notary.tuf.Signer;
import dockyard.notary.tuf.TufException;
import dockyard.notary.tuf.TufKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One repository (GUN) seen from a trust directory: the TUF client update (root, timestamp,
 * snapshot, targets, delegations, each checked for signatures and threshold, expiry, rollback
 * against what was trusted before, and, below the timestamp, the length and hashes the role above
 * recorded, so a server cannot freeze, roll back or mix and match metadata), and the publishing
 * side (init, staged changes, publish, key rotation). Nothing reaches the local cache or the server
 * until every check has passed.
 */
public final class NotaryRepository {
  static final long ROOT_YEARS = 10, ROLE_YEARS = 3;

  private final String gun;
  private final NotaryRemote remote;
  private final KeyRing keys;
  private final Changelist changelist;
  private final Path metadataDir;
  private final Clock clock;
  private final java.util.function.Consumer<String> warn;

  public NotaryRepository(Path trustDir, String gun, NotaryRemote remote, Passphrases passphrases, Clock clock, java.util.function.Consumer<String> warn) {
    if (gun == null || gun.isEmpty() || gun.contains("..") || gun.startsWith("/")) throw new IllegalArgumentException("bad repository name (GUN) \"" + gun + "\"");
    this.gun = gun;
    this.remote = remote;
    this.keys = new KeyRing(trustDir.resolve("private"), passphrases);
    this.changelist = new Changelist(trustDir.resolve("tuf").resolve(gun).resolve("changelist"));
    this.metadataDir = trustDir.resolve("tuf").resolve(gun).resolve("metadata");
    this.clock = clock;
    this.warn = warn;
  }

  public String gun() {
    return gun;
  }

  public Changelist changelist() {
    return changelist;
  }

  public KeyRing keys() {
    return keys;
  }

  /** Where metadata comes from during an update: the server, or this trust directory's cache. */
  interface Source {
    /** A role's bytes ({@code sha256Hex} names the version the role above recorded), or null if absent. */
    byte[] get(String role, String sha256Hex) throws IOException;
  }

  // ---------------------------------------------------------------- update (the TUF client workflow)

  /** Downloads and verifies the repository; on success the local cache holds exactly what was verified. */
  public Trusted update() throws IOException, TufException {
    Trusted t;
    try {
      t = verify((role, sha) -> remote.metadata(role, sha));
    } finally {
      remote.closeIdle();
    }
    save(t);
    return t;
  }

  /**
   * {@link #update}, or when the server cannot be reached the cached metadata, verified again
   * (expiry included), with a warning: what {@code list}, {@code lookup} and {@code verify} use.
   */
  public Trusted updateOrCached() throws IOException, TufException {
    try {
      return update();
    } catch (NotaryRemote.Unreachable e) {
      if (!Files.exists(metadataDir.resolve("root.json"))) throw e;
      warn.accept(e.getMessage() + "; using the cached trust data");
      return verify((role, sha) -> cached(role));
    }
  }

  private Trusted verify(Source source) throws IOException, TufException {
    // Everything below is fetched and checked in trust order, but the delegated roles are only
    // downloads whose hashes the snapshot fixes: they travel while the targets role is checked.
    try (var prefetch = new Prefetch()) {
      prefetch.submit(() -> {
        dockyard.notary.tuf.Signatures.prime(); // while the root downloads
        return null;
      });
      return verify(source, prefetch);
    }
  }

  private Trusted verify(Source source, Prefetch prefetch) throws IOException, TufException {
    Instant now = clock.instant();
    Map<String, byte[]> raw = new LinkedHashMap<>();
    Map<String, SignedMetadata> roles = new LinkedHashMap<>();
    Map<String, JsonNode> delegations = new LinkedHashMap<>();

    byte[] rootBytes = source.get("root", null);
    if (rootBytes == null) throw new NotaryRemote.NotFound("repository " + gun + " does not exist on the server (init it, then publish)");
    SignedMetadata root = verifyRoot(source, cachedMetadata("root"), rootBytes, now);
    raw.put("root", rootBytes);
    roles.put("root", root);

    byte[] tsBytes = source.get("timestamp", null);
    if (tsBytes == null) throw new TufException("timestamp: the server has none for " + gun);
    SignedMetadata ts = SignedMetadata.parse(tsBytes, "timestamp");
    ts.verify(SignedMetadata.Role.fromRoot(root.signed(), "timestamp", cachedVersion("timestamp")), now);
    raw.put("timestamp", tsBytes);
    roles.put("timestamp", ts);

    FileMeta snapMeta = FileMeta.fromJson(ts.signed().path("meta").path("snapshot"), "timestamp's record of the snapshot");
    byte[] snapBytes = fetch(source, "snapshot", snapMeta);
    SignedMetadata snap = SignedMetadata.parse(snapBytes, "snapshot");
    snap.verify(SignedMetadata.Role.fromRoot(root.signed(), "snapshot", cachedVersion("snapshot")), now);
    raw.put("snapshot", snapBytes);
    roles.put("snapshot", snap);
    JsonNode meta = snap.signed().path("meta");
    if (meta.has("root")) FileMeta.fromJson(meta.get("root"), "snapshot's record of root").check(rootBytes, "root (against the snapshot)");

    if (!meta.has("targets")) throw new TufException("snapshot: records no targets metadata");
    byte[] targetsBytes = fetch(source, "targets", FileMeta.fromJson(meta.get("targets"), "snapshot's record of targets"));
    // after targets' own download, which they would only slow down
    for (var it = meta.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.startsWith("targets/")) prefetch.start(name, () -> fetch(source, name, FileMeta.fromJson(meta.get(name), "snapshot's record of " + name)));
    }
    SignedMetadata targets = SignedMetadata.parse(targetsBytes, "targets");
    // targets' own delegations are checked side by side with targets itself (their keys and
    // thresholds come from this parse of it): none of them is trusted unless targets passes first
    Children first = startChildren(source, prefetch, "targets", targets, roles.keySet(), meta, now);
    targets.verify(SignedMetadata.Role.fromRoot(root.signed(), "targets", cachedVersion("targets")), now);
    raw.put("targets", targetsBytes);
    roles.put("targets", targets);

    // delegations, breadth-first from targets; a role the snapshot does not record has published nothing yet
    Deque<String> queue = new ArrayDeque<>(List.of("targets"));
    while (!queue.isEmpty()) {
      String parentName = queue.poll();
      Children children = parentName.equals("targets") ? first : startChildren(source, prefetch, parentName, roles.get(parentName), roles.keySet(), meta, now);
      for (Verified v : children.finish(warn)) {
        raw.put(v.name(), v.bytes());
        roles.put(v.name(), v.metadata());
        delegations.put(v.name(), v.entry());
        queue.add(v.name());
      }
    }
    return new Trusted(raw, roles, delegations);
  }

  private record Verified(String name, JsonNode entry, byte[] bytes, SignedMetadata metadata) {}

  /**
   * A parent's delegated roles, each checked on its own virtual thread (each is independent of its
   * siblings, and with dozens of delegations the ECDSA verifications are most of a fresh client's
   * time); {@link #finish} gives them in delegation order, the first failure in that order being
   * the one reported, after the warnings about entries that were skipped.
   */
  private record Children(List<String> warnings, List<java.util.concurrent.Future<Verified>> futures) {
    List<Verified> finish(java.util.function.Consumer<String> warn) throws IOException {
      warnings.forEach(warn);
      List<Verified> out = new ArrayList<>();
      for (var f : futures) out.add(await(f));
      return out;
    }
  }

  private Children startChildren(Source source, Prefetch prefetch, String parentName, SignedMetadata parent, Set<String> known, JsonNode meta, Instant now) {
    List<String> warnings = new ArrayList<>();
    List<java.util.concurrent.Future<Verified>> futures = new ArrayList<>();
    for (JsonNode entry : parent.signed().path("delegations").path("roles")) {
      String name = entry.path("name").asText();
      if (!name.startsWith(parentName + "/") || known.contains(name)) {
        warnings.add(parentName + ": ignores the delegation to \"" + name + "\" (not a child role of " + parentName + ")");
        continue;
      }
      if (!meta.has(name)) continue;
      futures.add(prefetch.submit(() -> {
        byte[] b = prefetch.take(name, () -> fetch(source, name, FileMeta.fromJson(meta.get(name), "snapshot's record of " + name)));
        SignedMetadata d = SignedMetadata.parse(b, name);
        d.verify(SignedMetadata.Role.delegated(parent.signed(), entry, cachedVersion(name)), now);
        return new Verified(name, entry, b, d);
      }));
    }
    return new Children(warnings, futures);
  }

  /** A download that gives bytes already checked against the record that named them. */
  private interface Download {
    byte[] get() throws IOException, TufException;
  }

  /**
   * Delegated roles downloaded (and checked against the verified snapshot's length and hashes)
   * ahead of need, on virtual threads. Nothing here is trusted: a role's bytes are taken when its
   * parent has been verified and then go through every check of its own. A download's failure is
   * reported only if its role is needed; the ones never taken (roles nobody delegates to) are
   * cancelled on close. Its threads also run the delegated roles' checks.
   */
  private static final class Prefetch implements AutoCloseable {
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, java.util.concurrent.Future<byte[]>> started = new java.util.concurrent.ConcurrentHashMap<>();

    <T> java.util.concurrent.Future<T> submit(java.util.concurrent.Callable<T> task) {
      return pool.submit(task);
    }

    void start(String role, Download d) {
      started.computeIfAbsent(role, r -> pool.submit(d::get));
    }

    /** The role's prefetched bytes, or {@code d} run now if none was started. */
    byte[] take(String role, Download d) throws IOException, TufException {
      var f = started.remove(role);
      return f == null ? d.get() : await(f);
    }

    @Override public void close() {
      pool.shutdownNow();
    }
  }

  /** Downloads the version of {@code role} that {@code expected} records (by hash first), and checks it. */
  private byte[] fetch(Source source, String role, FileMeta expected) throws IOException, TufException {
    byte[] cached = cached(role);
    if (cached != null) {
      try {
        expected.check(cached, role);
        return cached;
      } catch (TufException stale) {
        // the cache holds another version: download the recorded one
      }
    }
    byte[] b = source.get(role, expected.sha256Hex());
    if (b == null) b = source.get(role, null);
    if (b == null) throw new TufException(role + ": the server has no metadata matching the recorded hash " + expected.sha256Hex());
    expected.check(b, role + " (against the role above it)");
    return b;
  }

  /**
   * The root to trust: first use trusts a self-consistent root whose keys are certificates for this
   * GUN (notary's trust on first use); later, a changed root must be signed by a threshold of the
   * trusted root's keys as well as its own, and must not be older.
   */
  private SignedMetadata verifyRoot(Source source, SignedMetadata trusted, byte[] bytes, Instant now) throws IOException, TufException {
    SignedMetadata root = SignedMetadata.parse(bytes, "root");
    if (trusted != null) {
      // a client that missed rotations walks the versions in between, each vouched for by the one before
      for (long v = trusted.version() + 1; v < root.version(); v++) {
        byte[] b = source.get(v + ".root", null);
        if (b == null) break;
        SignedMetadata step = SignedMetadata.parse(b, "root version " + v);
        if (step.version() != v) throw new TufException("root version " + v + ": the server sent version " + step.version());
        step.verify(SignedMetadata.Role.fromRoot(trusted.signed(), "root", v), now);
        step.verify(SignedMetadata.Role.fromRoot(step.signed(), "root", v), now);
        trusted = step;
      }
      root.verify(SignedMetadata.Role.fromRoot(trusted.signed(), "root", trusted.version()), now);
    }
    SignedMetadata.Role self = SignedMetadata.Role.fromRoot(root.signed(), "root", 1);
    root.verify(self, now);
    for (TufKey k : self.keys().values()) {
      if (!k.keyType().endsWith("-x509")) throw new TufException("root: key " + k.id() + " is a bare " + k.keyType() + " key; root keys must be certificates");
      X509Certificate c = k.certificate();
      String cn = commonName(c);
      if (!gun.equals(cn)) throw new TufException("root: certificate " + k.id() + " is for \"" + cn + "\", not for " + gun);
      if (c.getNotAfter().toInstant().isBefore(now)) throw new TufException("root: certificate " + k.id() + " expired at " + c.getNotAfter().toInstant());
    }
    return root;
  }

  private static String commonName(X509Certificate c) {
    for (String part : c.getSubjectX500Principal().getName().split(",")) {
      if (part.startsWith("CN=")) return part.substring(3);
    }
    return "";
  }

  // ---------------------------------------------------------------- the local cache

  private Path cachePath(String role) {
    return metadataDir.resolve(role + ".json");
  }

  private byte[] cached(String role) throws IOException {
    Path p = cachePath(role);
    return Files.exists(p) ? Files.readAllBytes(p) : null;
  }

  private SignedMetadata cachedMetadata(String role) throws IOException, TufException {
    byte[] b = cached(role);
    return b == null ? null : SignedMetadata.parse(b, "cached " + role);
  }

  /** The lowest acceptable version of a role: the one trusted before (rollback protection). */
  private long cachedVersion(String role) throws IOException {
    try {
      SignedMetadata m = cachedMetadata(role);
      return m == null ? 1 : m.version();
    } catch (TufException e) {
      warn.accept("the cached " + role + " is unreadable (" + e.getMessage() + "); it is replaced");
      return 1;
    }
  }

  /** Every verified role into the cache, side by side (with 50 delegations, 54 files). */
  private void save(Trusted t) throws IOException {
    Set<Path> dirs = new HashSet<>();
    for (String role : t.raw().keySet()) dirs.add(cachePath(role).getParent());
    for (Path d : dirs) Files.createDirectories(d);
    List<java.util.concurrent.Future<Void>> writes = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (var e : t.raw().entrySet()) writes.add(pool.submit(() -> {
        write(cachePath(e.getKey()), e.getValue());
        return null;
      }));
    }
    for (var w : writes) await(w);
  }

  private static void write(Path p, byte[] b) throws IOException {
    if (!Files.isDirectory(p.getParent())) Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
    Files.write(tmp, b);
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  // ---------------------------------------------------------------- staging

  /** Stages a target for {@code role} ("targets" or a delegation) from the file's bytes. */
  public void stageTarget(String name, byte[] content, String role, JsonNode custom) throws IOException {
    FileMeta m = FileMeta.of(content);
    if (custom != null) m = new FileMeta(m.length(), m.hashes(), custom);
    changelist.add(new Changelist.Change("create", role, "target", name, CanonicalJson.encode(m.toJson())));
  }

  /** Stages a target by its length and hex hashes, without the file ({@code addhash}). */
  public void stageTargetHash(String name, long length, String sha256Hex, String sha512Hex, String role, JsonNode custom) throws IOException {
    Map<String, byte[]> hashes = new java.util.TreeMap<>();
    try {
      if (sha256Hex != null) hashes.put("sha256", java.util.HexFormat.of().parseHex(sha256Hex));
      if (sha512Hex != null) hashes.put("sha512", java.util.HexFormat.of().parseHex(sha512Hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a hash must be hex: " + e.getMessage());
    }
    if (hashes.isEmpty()) throw new IllegalArgumentException("give at least one of --sha256 and --sha512");
    if (hashes.containsKey("sha256") && hashes.get("sha256").length != 32) throw new IllegalArgumentException("--sha256 must be 64 hex digits");
    if (hashes.containsKey("sha512") && hashes.get("sha512").length != 64) throw new IllegalArgumentException("--sha512 must be 128 hex digits");
    if (length < 0) throw new IllegalArgumentException("a target's size cannot be negative");
    FileMeta m = new FileMeta(length, hashes, custom);
    changelist.add(new Changelist.Change("create", role, "target", name, CanonicalJson.encode(m.toJson())));
  }

  /** Removes this repository's local trust data (cache and changelist) and, with {@code remote}, the server's. */
  public void delete(boolean remoteToo) throws IOException {
    if (remoteToo) remote.deleteRepository();
    Path dir = metadataDir.getParent();
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
      }
    }
  }

  public void stageRemove(String name, String role) throws IOException {
    changelist.add(new Changelist.Change("delete", role, "target", name, null));
  }

  /** Stages a delegation (or more keys and paths for an existing one). */
  public void stageDelegation(String role, List<TufKey> addKeys, List<String> addPaths, int threshold) throws IOException {
    if (!role.startsWith("targets/") || role.endsWith("/")) throw new IllegalArgumentException("a delegation is named targets/NAME, not \"" + role + "\"");
    ObjectNode d = CanonicalJson.object();
    if (threshold > 0) d.put("threshold", threshold);
    ArrayNode k = d.putArray("add_keys");
    for (TufKey key : addKeys) k.add(key.toJson());
    ArrayNode p = d.putArray("add_paths");
    addPaths.forEach(p::add);
    changelist.add(new Changelist.Change("create", role, "delegation", "", CanonicalJson.encode(d)));
  }

  public void stageDelegationRemoval(String role) throws IOException {
    changelist.add(new Changelist.Change("delete", role, "delegation", "", null));
  }

  // ---------------------------------------------------------------- init, publish, rotate

  /**
   * A new repository: a root key (the trust directory's first root key, else a new one) behind a
   * certificate for the GUN, new targets and snapshot keys, and the server's timestamp key. Root
   * and targets metadata wait in the cache for the first publish.
   */
  public void init() throws IOException, GeneralSecurityException {
    init(null);
  }

  /** {@link #init()} with a given root key (an ECDSA PEM, as {@code --rootkey}), imported into the trust directory. */
  public void init(Path rootKeyFile) throws IOException, GeneralSecurityException {
    if (remote.metadata("root", null) != null) throw new IOException("repository " + gun + " already exists on the server");
    KeyRing.Entry existing = rootKeyFile != null ? keys.importKey(rootKeyFile, "root", "") : keys.rootKey();
    Signer rootPlain = existing != null ? keys.load(existing) : Signer.ecdsa();
    if (existing == null) keys.save(rootPlain, "root", "");
    Instant now = clock.instant();
    Signer root = Certificates.selfSigned(rootPlain, gun, now, now.plus(ROOT_YEARS * 365, ChronoUnit.DAYS));
    Signer targets = Signer.ecdsa(), snapshot = Signer.ecdsa();
    keys.save(targets, "targets", gun);
    keys.save(snapshot, "snapshot", gun);
    TufKey timestamp = remote.key("timestamp", false);
    ObjectNode r = CanonicalJson.object();
    r.put("_type", "Root");
    r.put("consistent_snapshot", false);
    r.put("expires", expiry(now, ROOT_YEARS));
    ObjectNode k = r.putObject("keys");
    ObjectNode roles = r.putObject("roles");
    for (var e : Map.of("root", root.publicKey(), "targets", targets.publicKey(), "snapshot", snapshot.publicKey(), "timestamp", timestamp).entrySet()) {
      k.set(e.getValue().id(), e.getValue().toJson());
      ObjectNode role = roles.putObject(e.getKey());
      role.putArray("keyids").add(e.getValue().id());
      role.put("threshold", 1);
    }
    r.put("version", 1);
    write(cachePath("root"), SignedMetadata.sign(r, List.of(root)).toJson());
    write(cachePath("targets"), SignedMetadata.sign(emptyTargets(now, 1), List.of(targets)).toJson());
    for (String stale : List.of("snapshot", "timestamp")) Files.deleteIfExists(cachePath(stale));
  }

  private static ObjectNode emptyTargets(Instant now, long version) {
    ObjectNode t = CanonicalJson.object();
    t.put("_type", "Targets");
    ObjectNode d = t.putObject("delegations");
    d.putObject("keys");
    d.putArray("roles");
    t.put("expires", expiry(now, ROLE_YEARS));
    t.putObject("targets");
    t.put("version", version);
    return t;
  }

  /** The state a publish or rotation starts from: the server's verified metadata, or, before the first publish, init's. */
  private record Base(boolean initial, Map<String, byte[]> raw, Map<String, SignedMetadata> roles) {}

  private Base base() throws IOException, TufException {
    Trusted published;
    try {
      published = update();
    } catch (NotaryRemote.NotFound unpublished) {
      byte[] root = cached("root"), targets = cached("targets");
      if (root == null || targets == null) throw new NotaryRemote.NotFound("repository " + gun + " does not exist on the server and is not initialized here: run init first");
      Map<String, byte[]> raw = new LinkedHashMap<>(Map.of("root", root, "targets", targets));
      Map<String, SignedMetadata> roles = new LinkedHashMap<>();
      for (var e : raw.entrySet()) roles.put(e.getKey(), SignedMetadata.parse(e.getValue(), e.getKey()));
      return new Base(true, raw, roles);
    }
    return new Base(false, new LinkedHashMap<>(published.raw()), new LinkedHashMap<>(published.roles()));
  }

  /** Applies the staged changes, signs what changed, and uploads it in one update; the changelist is cleared only on success. */
  public int publish() throws IOException, TufException, GeneralSecurityException {
    List<Changelist.Change> changes = changelist.list();
    Base base = base();
    if (changes.isEmpty() && !base.initial()) return 0;
    Map<String, ObjectNode> edited = new LinkedHashMap<>();
    for (Changelist.Change c : changes) apply(c, base, edited);
    if (base.initial()) edited.computeIfAbsent("targets", r -> base.roles().get("targets").signed().deepCopy());
    Map<String, byte[]> upload = new LinkedHashMap<>();
    if (base.initial()) upload.put("root", base.raw().get("root"));
    Instant now = clock.instant();
    JsonNode rootSigned = base.roles().get("root").signed();
    Map<String, byte[]> finalRaw = new LinkedHashMap<>(base.raw());
    Map<String, SignedMetadata.Role> signAs = new LinkedHashMap<>();
    for (var e : edited.entrySet()) {
      String role = e.getKey();
      SignedMetadata before = base.roles().get(role);
      e.getValue().put("version", base.initial() && role.equals("targets") ? 1 : before == null ? 1 : before.version() + 1);
      e.getValue().put("expires", expiry(now, ROLE_YEARS));
      signAs.put(role, role.equals("targets") ? SignedMetadata.Role.fromRoot(rootSigned, "targets", 1) : delegatedRole(role, edited, base));
    }
    // each role is signed on its own thread: key decryption (PBKDF2) and ECDSA dominate a big publish
    Map<String, java.util.concurrent.Future<byte[]>> signed = new LinkedHashMap<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (var e : signAs.entrySet()) signed.put(e.getKey(), pool.submit(() -> sign(edited.get(e.getKey()), e.getValue()).toJson()));
    }
    for (var e : signed.entrySet()) {
      byte[] b = result(e.getValue());
      upload.put(e.getKey(), b);
      finalRaw.put(e.getKey(), b);
    }
    addSnapshotIfOurs(rootSigned, base, finalRaw, upload, now);
    remote.update(upload);
    changelist.clear();
    update();
    return changes.size();
  }

  /** {@code f}'s value; an IOException (TufException included) or unchecked exception it threw is rethrown as it is. */
  private static <T> T await(java.util.concurrent.Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private static <T> T result(java.util.concurrent.Future<T> f) throws IOException, GeneralSecurityException {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      if (e.getCause() instanceof GeneralSecurityException g) throw g;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  /** The role a delegated role is signed as: its parent's entry, the parent as edited in this publish if it was. */
  private SignedMetadata.Role delegatedRole(String role, Map<String, ObjectNode> edited, Base base) throws TufException {
    String parentName = role.substring(0, role.lastIndexOf('/'));
    JsonNode parent = edited.containsKey(parentName) ? edited.get(parentName) : base.roles().containsKey(parentName) ? base.roles().get(parentName).signed() : null;
    if (parent == null) throw new TufException(role + ": its parent " + parentName + " does not exist");
    for (JsonNode entry : parent.path("delegations").path("roles")) {
      if (entry.path("name").asText().equals(role)) return SignedMetadata.Role.delegated(parent, entry, 1);
    }
    throw new TufException(role + ": " + parentName + " does not delegate to it (add the delegation first)");
  }

  /** When this trust directory holds the snapshot key, a new snapshot over the final state goes with the update. */
  private void addSnapshotIfOurs(JsonNode rootSigned, Base base, Map<String, byte[]> finalRaw, Map<String, byte[]> upload, Instant now)
      throws IOException, TufException, GeneralSecurityException {
    SignedMetadata.Role snapRole = SignedMetadata.Role.fromRoot(rootSigned, "snapshot", 1);
    List<Signer> signers = signers(snapRole);
    if (signers.isEmpty()) return; // the server signs the snapshot
    ObjectNode s = CanonicalJson.object();
    s.put("_type", "Snapshot");
    s.put("expires", expiry(now, ROLE_YEARS));
    ObjectNode meta = s.putObject("meta");
    for (var e : new java.util.TreeMap<>(finalRaw).entrySet()) {
      if (e.getKey().equals("root") || e.getKey().equals("targets") || e.getKey().startsWith("targets/")) meta.set(e.getKey(), FileMeta.of(e.getValue()).toJson());
    }
    SignedMetadata prev = base.roles().get("snapshot");
    s.put("version", prev == null ? 1 : prev.version() + 1);
    upload.put("snapshot", sign(s, snapRole).toJson());
  }

  private void apply(Changelist.Change c, Base base, Map<String, ObjectNode> edited) throws TufException {
    switch (c.type()) {
      case "target" -> {
        ObjectNode role = editable(c.role(), base, edited, true);
        ObjectNode targets = role.with("targets");
        if (c.action().equals("delete")) {
          targets.remove(c.path());
        } else {
          try {
            FileMeta m = FileMeta.fromJson(CanonicalJson.parse(c.data()), "staged target " + c.path());
            targets.set(c.path(), m.toJson());
          } catch (IOException e) {
            throw new TufException("staged target " + c.path() + ": not JSON");
          }
        }
      }
      case "delegation" -> {
        String name = c.role();
        String parentName = name.substring(0, name.lastIndexOf('/'));
        ObjectNode parent = editable(parentName, base, edited, false);
        ObjectNode delegations = parent.with("delegations");
        ObjectNode keysNode = delegations.with("keys");
        ArrayNode roles = delegations.withArray("roles");
        ObjectNode entry = null;
        for (JsonNode r : roles) if (r.path("name").asText().equals(name)) entry = (ObjectNode) r;
        if (c.action().equals("delete")) {
          for (int i = 0; i < roles.size(); i++) if (roles.get(i).path("name").asText().equals(name)) roles.remove(i--);
          pruneKeys(delegations);
          return;
        }
        JsonNode d;
        try {
          d = CanonicalJson.parse(c.data());
        } catch (IOException e) {
          throw new TufException("staged delegation " + name + ": not JSON");
        }
        if (entry == null) {
          entry = roles.addObject();
          entry.putArray("keyids");
          entry.put("name", name);
          entry.putArray("paths");
          entry.put("threshold", 1);
        }
        if (d.path("threshold").asInt(0) > 0) entry.put("threshold", d.get("threshold").asInt());
        ArrayNode ids = (ArrayNode) entry.get("keyids");
        for (JsonNode k : d.path("add_keys")) {
          TufKey key = TufKey.fromJson(k);
          keysNode.set(key.id(), key.toJson());
          if (!contains(ids, key.id())) ids.add(key.id());
        }
        for (JsonNode k : d.path("remove_keys")) for (int i = 0; i < ids.size(); i++) if (ids.get(i).asText().equals(k.asText())) ids.remove(i--);
        ArrayNode paths = (ArrayNode) entry.get("paths");
        if (d.path("clear_paths").asBoolean(false)) paths.removeAll();
        for (JsonNode p : d.path("add_paths")) if (!contains(paths, p.asText())) paths.add(p.asText());
        for (JsonNode p : d.path("remove_paths")) for (int i = 0; i < paths.size(); i++) if (paths.get(i).asText().equals(p.asText())) paths.remove(i--);
        pruneKeys(delegations);
      }
      default -> throw new TufException("staged change of type \"" + c.type() + "\" is not supported (target and delegation are)");
    }
  }

  private static boolean contains(ArrayNode a, String v) {
    for (JsonNode n : a) if (n.asText().equals(v)) return true;
    return false;
  }

  /** Drops delegation keys no role names any more. */
  private static void pruneKeys(ObjectNode delegations) {
    Set<String> used = new HashSet<>();
    for (JsonNode r : delegations.path("roles")) r.path("keyids").forEach(k -> used.add(k.asText()));
    delegations.with("keys").retain(used);
  }

  /** A role's "signed" to edit; a delegated role with no metadata yet starts empty if its parent delegates to it. */
  private ObjectNode editable(String role, Base base, Map<String, ObjectNode> edited, boolean forTargets) throws TufException {
    ObjectNode e = edited.get(role);
    if (e != null) return e;
    SignedMetadata m = base.roles().get(role);
    if (m != null) {
      e = m.signed().deepCopy();
    } else if (role.startsWith("targets/")) {
      if (forTargets) delegatedRole(role, edited, base); // refuses a role nobody delegates to
      e = emptyTargets(clock.instant(), 1);
    } else {
      throw new TufException("role \"" + role + "\" does not exist in " + gun);
    }
    edited.put(role, e);
    return e;
  }

  /** Every key this trust directory holds for {@code role}. */
  private List<Signer> signers(SignedMetadata.Role role) throws IOException, GeneralSecurityException {
    List<Signer> out = new ArrayList<>();
    for (TufKey k : role.keys().values()) {
      Signer s = keys.signerFor(k);
      if (s != null) out.add(s);
    }
    return out;
  }

  private SignedMetadata sign(ObjectNode signed, SignedMetadata.Role role) throws IOException, GeneralSecurityException, TufException {
    List<Signer> s = signers(role);
    if (s.size() < Math.max(1, role.threshold())) {
      throw new TufException(role.name() + ": this trust directory holds " + s.size() + " of its keys " + role.keys().keySet()
          + " and its threshold is " + role.threshold() + " (notary key import KEYFILE --role " + role.name() + ")");
    }
    return SignedMetadata.sign(signed, s);
  }

  /**
   * Rotates a role's key: "root" (a new root key and certificate; the new root is signed by the old
   * and new keys), "targets" or "snapshot" (a new local key), or, with {@code serverManaged},
   * "snapshot" or "timestamp" to a new key the server holds. The new root goes up with whatever
   * must be re-signed in one update.
   */
  public TufKey rotate(String role, boolean serverManaged) throws IOException, TufException, GeneralSecurityException {
    if (role.equals("timestamp") && !serverManaged) throw new IllegalArgumentException("the timestamp key is always the server's: rotate it with -r");
    if (serverManaged && !role.equals("timestamp") && !role.equals("snapshot")) throw new IllegalArgumentException("only snapshot and timestamp keys can be server-managed, not " + role);
    if (!List.of("root", "targets", "snapshot", "timestamp").contains(role)) throw new IllegalArgumentException("rotate root, targets, snapshot or timestamp, not \"" + role + "\"");
    Base base = base();
    if (base.initial()) throw new IOException("publish " + gun + " before rotating its keys");
    SignedMetadata oldRoot = base.roles().get("root");
    ObjectNode root = oldRoot.signed().deepCopy();
    Instant now = clock.instant();
    List<Signer> extraRootSigners = new ArrayList<>();
    Signer local = null;
    TufKey newKey;
    if (role.equals("root")) {
      Signer plain = Signer.ecdsa();
      Signer cert = Certificates.selfSigned(plain, gun, now, now.plus(ROOT_YEARS * 365, ChronoUnit.DAYS));
      keys.save(plain, "root", "");
      extraRootSigners.add(cert);
      newKey = cert.publicKey();
    } else if (serverManaged) {
      newKey = remote.key(role, true);
    } else {
      local = Signer.ecdsa();
      keys.save(local, role, gun);
      newKey = local.publicKey();
    }
    ObjectNode keysNode = root.with("keys");
    keysNode.set(newKey.id(), newKey.toJson());
    ObjectNode r = (ObjectNode) root.with("roles").get(role);
    ArrayNode ids = r.putArray("keyids");
    ids.add(newKey.id());
    if (!role.equals("root")) { // notary keeps old root keys listed; other roles' old keys go
      Set<String> used = new HashSet<>();
      root.get("roles").forEach(x -> x.path("keyids").forEach(k -> used.add(k.asText())));
      for (JsonNode k : oldRoot.signed().path("roles").path("root").path("keyids")) used.add(k.asText());
      keysNode.retain(used);
    }
    root.put("version", oldRoot.version() + 1);
    root.put("expires", expiry(now, ROOT_YEARS));
    SignedMetadata.Role oldRootRole = SignedMetadata.Role.fromRoot(oldRoot.signed(), "root", 1);
    List<Signer> rootSigners = new ArrayList<>(signers(oldRootRole));
    if (rootSigners.size() < oldRootRole.threshold()) throw new TufException("root: this trust directory lacks the root key needed to sign a rotation");
    rootSigners.addAll(extraRootSigners);
    byte[] newRoot = SignedMetadata.sign(root, rootSigners).toJson();
    Map<String, byte[]> upload = new LinkedHashMap<>();
    upload.put("root", newRoot);
    Map<String, byte[]> finalRaw = new LinkedHashMap<>(base.raw());
    finalRaw.put("root", newRoot);
    if (role.equals("targets")) {
      ObjectNode t = base.roles().get("targets").signed().deepCopy();
      t.put("version", base.roles().get("targets").version() + 1);
      byte[] b = sign(t, SignedMetadata.Role.fromRoot(root, "targets", 1)).toJson();
      upload.put("targets", b);
      finalRaw.put("targets", b);
    }
    addSnapshotIfOurs(root, base, finalRaw, upload, now);
    remote.update(upload);
    update();
    return newKey;
  }

  static String expiry(Instant now, long years) {
    return now.plus(years * 365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
