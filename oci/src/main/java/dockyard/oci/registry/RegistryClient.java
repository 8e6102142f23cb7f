package dockyard.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.Digest;
import dockyard.oci.DigestMismatchException;
import dockyard.oci.Image;
import dockyard.oci.ImageConfig;
import dockyard.oci.Index;
import dockyard.oci.Manifest;
import dockyard.oci.MediaTypes;
import dockyard.oci.OciException;
import dockyard.oci.OciJson;
import dockyard.oci.OciLayout;
import dockyard.oci.PlatformSelector;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A client for the OCI distribution API ({@code /v2/}) over {@link HttpClient}: resolve, fetch and
 * pull manifests and blobs (every byte verified against its digest), and push images from a
 * {@link ContentStore}. Authentication follows the registry's {@code WWW-Authenticate} challenge:
 * Bearer tokens (fetched from the realm, cached per scope) or Basic, with logins from
 * {@link Credentials}; a request is retried once with the new authorization. Redirects (blob
 * downloads from object storage) are followed here, without the registry's authorization when
 * they leave its host. Thread-safe.
 */
public final class RegistryClient implements AutoCloseable {
  /** What a manifest GET or HEAD accepts: OCI index and manifest, Docker manifest list and v2 manifest. */
  public static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
      MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param insecure registries (host or host:port, as in references) spoken to over plain http
   * @param mirrors base URLs tried before Docker Hub for {@code docker.io} pulls ({@code --registry-mirror})
   */
  public record Options(Set<String> insecure, List<URI> mirrors, Duration connectTimeout, Duration requestTimeout,
                        Credentials credentials, String userAgent) {
    public Options {
      insecure = Set.copyOf(Objects.requireNonNull(insecure, "insecure"));
      mirrors = List.copyOf(Objects.requireNonNull(mirrors, "mirrors"));
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(credentials, "credentials");
      Objects.requireNonNull(userAgent, "userAgent");
      for (URI m : mirrors) {
        if (!"http".equals(m.getScheme()) && !"https".equals(m.getScheme()) || m.getHost() == null) {
          throw new IllegalArgumentException("registry mirror must be an http or https URL, got \"" + m + "\"");
        }
      }
    }

    public static Options defaults() {
      return new Options(Set.of(), List.of(), Duration.ofSeconds(30), Duration.ofMinutes(5), Credentials.none(), "dockyard");
    }

    public Options withInsecure(String... registries) {
      return new Options(Set.of(registries), mirrors, connectTimeout, requestTimeout, credentials, userAgent);
    }

    public Options withMirrors(URI... urls) {
      return new Options(insecure, List.of(urls), connectTimeout, requestTimeout, credentials, userAgent);
    }

    public Options withTimeouts(Duration connect, Duration request) {
      return new Options(insecure, mirrors, connect, request, credentials, userAgent);
    }

    public Options withCredentials(Credentials c) {
      return new Options(insecure, mirrors, connectTimeout, requestTimeout, c, userAgent);
    }
  }

  /** A manifest's exact bytes (verified) and its descriptor (media type, digest, size). */
  public record FetchedManifest(Descriptor descriptor, byte[] bytes) {}

  /** What a pull got: the descriptor the reference named (maybe an index) and the chosen platform's image. */
  public record PullResult(Descriptor root, Image image, int blobsFetched, int blobsSkipped) {}

  /** What a push did: the manifest as pushed, and how many blobs went up or were already there. */
  public record PushResult(Descriptor manifest, int blobsUploaded, int blobsSkipped) {}

  /** Where to send a repository's requests: a base URL, and the host key for auth and credentials. */
  private record Endpoint(URI base, String registry) {}

  private final Options options;
  private final HttpClient http;
  private final Map<String, String> basicAuth = new ConcurrentHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();

  public RegistryClient(Options options) {
    this.options = options;
    this.http = HttpClient.newBuilder()
        .connectTimeout(options.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  public RegistryClient() {
    this(Options.defaults());
  }

  public Options options() {
    return options;
  }

  /**
   * Stops the HTTP client's threads (after requests in flight end). Its selector thread waits in
   * native code, and a JVM exiting with such a thread alive waits about 300 ms for it.
   */
  @Override
  public void close() {
    http.close();
  }

  // ---------------------------------------------------------------- API

  /** {@code GET /v2/}: fails unless the registry answers (after authenticating if it asks). */
  public void ping(String registry) throws IOException {
    Endpoint ep = endpoint(registry);
    HttpResponse<InputStream> r = send(ep, "GET", ep.base().resolve("/v2/"), Map.of(), null, null);
    expect(r, "GET", 200);
    r.body().close();
  }

  /** The descriptor of what {@code ref} names, by HEAD (falling back to GET when headers are missing). */
  public Descriptor resolve(Reference ref) throws IOException {
    return onFirstEndpoint(ref, ep -> {
      URI uri = manifestUri(ep, ref.repository(), ref.manifestReference());
      HttpResponse<InputStream> r = send(ep, "HEAD", uri, Map.of("Accept", MANIFEST_ACCEPT), null, pullScope(ref));
      expect(r, "HEAD", 200);
      r.body().close();
      String type = mediaType(r);
      String digest = r.headers().firstValue("Docker-Content-Digest").orElse(null);
      long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (type != null && digest != null && size >= 0) {
        Digest d = Digest.parse(digest);
        if (ref.digest() != null && !ref.digest().equals(d)) {
          throw DigestMismatchException.digest("manifest " + ref + " (Docker-Content-Digest of " + uri + ")", ref.digest(), d, size);
        }
        return Descriptor.of(type, d, size);
      }
      return fetchManifestFrom(ep, ref).descriptor();
    });
  }

  /** The manifest's bytes, verified against the reference's digest (or the registry's Docker-Content-Digest). */
  public FetchedManifest fetchManifest(Reference ref) throws IOException {
    return onFirstEndpoint(ref, ep -> fetchManifestFrom(ep, ref));
  }

  /**
   * Pulls the image {@code ref} names into {@code store}: an index (its bytes stored too) is resolved
   * with {@code selector}, then the platform manifest, config and layers; blobs already in the store
   * are not fetched again.
   */
  public PullResult pull(Reference ref, PlatformSelector selector, ContentStore store) throws IOException {
    return pull(ref, selector, store, false);
  }

  /**
   * As {@link #pull(Reference, PlatformSelector, ContentStore)}, but with {@code layersLater} the
   * layers are left out: the caller fetches the missing ones itself (with {@link #openBlob}, say to
   * unpack a layer while it downloads). {@link PullResult#blobsFetched()} then counts the config only.
   */
  public PullResult pull(Reference ref, PlatformSelector selector, ContentStore store, boolean layersLater) throws IOException {
    FetchedManifest top = fetchManifest(ref);
    // manifests are stored with the blobs, concurrently (each store is two fsyncs); all of them are
    // in the store when pull returns, before anything (an index.json entry) can refer to them
    List<FetchedManifest> manifests = new ArrayList<>(List.of(top));
    Descriptor root = top.descriptor();
    FetchedManifest current = top;
    for (int depth = 0; MediaTypes.isIndex(current.descriptor().mediaType()); depth++) {
      if (depth == 4) throw new OciException(ref + ": indexes nested more than 4 deep");
      Index index = OciJson.parse(current.bytes(), Index.class, "index " + ref);
      Descriptor chosen = selector.select(index, "index " + ref.withDigest(current.descriptor().digest()));
      current = fetchManifest(ref.withDigest(chosen.digest()));
      if (!current.descriptor().sameContent(chosen)) {
        throw DigestMismatchException.tooShort("manifest " + chosen.digest() + " of " + ref, chosen.digest(), chosen.size(),
            current.descriptor().size());
      }
      manifests.add(current);
    }
    Descriptor md = current.descriptor();
    if (!MediaTypes.isManifest(md.mediaType())) {
      throw new OciException(ref + ": media type \"" + md.mediaType() + "\" is not an image manifest or index");
    }
    Manifest manifest = OciJson.parse(current.bytes(), Manifest.class, "manifest " + ref.withDigest(md.digest()));
    List<Descriptor> blobs = new ArrayList<>();
    blobs.add(manifest.config());
    if (!layersLater) blobs.addAll(manifest.layers());
    List<Descriptor> missing = new ArrayList<>();
    for (Descriptor b : blobs) {
      if (!(store.exists(b.digest()) && store.size(b.digest()) == b.size()) && !missing.contains(b)) missing.add(b);
    }
    List<java.util.concurrent.Callable<?>> work = new ArrayList<>();
    for (FetchedManifest m : manifests) work.add(() -> store.putBytes(m.descriptor().mediaType(), m.bytes()));
    for (Descriptor b : missing) work.add(() -> fetchBlob(ref, b, store));
    all(ref, work);
    int fetched = missing.size(), skipped = blobs.size() - missing.size();
    ImageConfig config = store.readJson(manifest.config(), ImageConfig.class, OciLayout.MAX_CONFIG_BYTES);
    Image image;
    try {
      image = new Image(md, manifest, config);
    } catch (IllegalArgumentException e) {
      throw new OciException("image " + ref + ": " + e.getMessage());
    }
    return new PullResult(root, image, fetched, skipped);
  }

  /**
   * Runs a pull's stores and downloads at once, each on its own virtual thread: the transfers, and
   * the fsyncs that store each blob, overlap instead of queuing. The first failure in list order is
   * thrown, after every task ended (nothing is left writing into the store).
   */
  private static void all(Reference ref, List<java.util.concurrent.Callable<?>> work) throws IOException {
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (var w : work) futures.add(pool.submit(w));
    }
    for (var f : futures) dockyard.oci.Futures.await(f, "pulling " + ref);
  }

  /**
   * The body of one blob of {@code ref}'s repository, as the registry sends it (following redirects):
   * not verified here, so the caller checks it against {@code blob} before trusting any of it (a
   * {@link ContentStore#writer} does, at commit).
   */
  public InputStream openBlob(Reference ref, Descriptor blob) throws IOException {
    return onFirstEndpoint(ref, ep -> {
      URI uri = ep.base().resolve("/v2/" + ref.repository() + "/blobs/" + blob.digest());
      HttpResponse<InputStream> r = send(ep, "GET", uri, Map.of(), null, pullScope(ref));
      expect(r, "GET", 200);
      return r.body();
    });
  }

  /** Downloads one blob of {@code ref}'s repository into {@code store}, verified; follows redirects. */
  public Descriptor fetchBlob(Reference ref, Descriptor blob, ContentStore store) throws IOException {
    return onFirstEndpoint(ref, ep -> {
      URI uri = ep.base().resolve("/v2/" + ref.repository() + "/blobs/" + blob.digest());
      HttpResponse<InputStream> r = send(ep, "GET", uri, Map.of(), null, pullScope(ref));
      expect(r, "GET", 200);
      try (InputStream in = r.body()) {
        store.put(blob.digest(), blob.size(), in);
      }
      return blob;
    });
  }

  /** As {@link #fetchBlob(Reference, Descriptor, ContentStore)} for a repository given as {@code host/name}. */
  public Descriptor fetchBlob(String repository, Descriptor blob, ContentStore store) throws IOException {
    return fetchBlob(Reference.parse(repository + "@" + blob.digest()), blob, store);
  }

  /**
   * Pushes the manifest (or index, with its manifests) {@code manifest} from {@code store} to {@code ref}
   * (its tag, or its digest when it has no tag): blobs the registry has are skipped, the others are
   * uploaded monolithically (POST then PUT ?digest=), then the manifest is PUT with its media type.
   */
  public PushResult push(Reference ref, ContentStore store, Descriptor manifest) throws IOException {
    int[] counts = new int[2];
    Endpoint ep = endpoint(ref.registry());
    pushManifest(ep, ref, store, manifest, ref.tag() != null ? ref.tag() : manifest.digest().toString(), counts, 0);
    return new PushResult(manifest, counts[0], counts[1]);
  }

  // ---------------------------------------------------------------- pull internals

  private FetchedManifest fetchManifestFrom(Endpoint ep, Reference ref) throws IOException {
    URI uri = manifestUri(ep, ref.repository(), ref.manifestReference());
    HttpResponse<InputStream> r = send(ep, "GET", uri, Map.of("Accept", MANIFEST_ACCEPT), null, pullScope(ref));
    expect(r, "GET", 200);
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = in.readNBytes((int) OciLayout.MAX_MANIFEST_BYTES + 1);
    }
    if (bytes.length > OciLayout.MAX_MANIFEST_BYTES) {
      throw new OciException("manifest " + ref + " from " + uri + " is over the limit of " + OciLayout.MAX_MANIFEST_BYTES + " bytes");
    }
    String type = mediaType(r);
    if (type == null || type.equals("application/json") || type.equals("text/plain")) type = mediaTypeField(bytes, ref);
    Digest header = r.headers().firstValue("Docker-Content-Digest").map(Digest::parse).orElse(null);
    Digest d = verifyManifest(bytes, ref.digest(), header, ref + " from " + uri);
    return new FetchedManifest(Descriptor.of(type, d, bytes.length), bytes);
  }

  /**
   * The digest of manifest {@code bytes}, which must be {@code requested} (when the reference had a
   * digest) and the registry's {@code claimed} Docker-Content-Digest (when it sent one).
   */
  static Digest verifyManifest(byte[] bytes, Digest requested, Digest claimed, String what) throws DigestMismatchException {
    Digest expected = requested != null ? requested : claimed;
    Digest.Algorithm alg = expected != null ? expected.algorithm() : Digest.Algorithm.SHA256;
    Digest actual = Digest.of(alg, bytes);
    if (requested != null && !requested.equals(actual)) {
      throw DigestMismatchException.digest("manifest " + what, requested, actual, bytes.length);
    }
    if (claimed != null) {
      Digest byClaim = claimed.algorithm() == alg ? actual : Digest.of(claimed.algorithm(), bytes);
      if (!claimed.equals(byClaim)) {
        throw DigestMismatchException.digest("manifest " + what + " (against the registry's Docker-Content-Digest)", claimed, byClaim, bytes.length);
      }
    }
    return requested != null ? requested : alg == Digest.Algorithm.SHA256 ? actual : Digest.sha256(bytes);
  }

  private static String mediaTypeField(byte[] bytes, Reference ref) throws OciException {
    try {
      JsonNode n = JSON.readTree(bytes);
      JsonNode t = n == null ? null : n.get("mediaType");
      if (t != null && t.isTextual()) return t.asText();
      if (n != null && n.has("manifests")) return MediaTypes.OCI_INDEX;
      if (n != null && n.has("config")) return MediaTypes.OCI_MANIFEST;
    } catch (IOException e) {
      throw new OciException("manifest " + ref + ": invalid JSON: " + e.getMessage());
    }
    throw new OciException("manifest " + ref + ": no media type in Content-Type or document");
  }

  // ---------------------------------------------------------------- push internals

  private void pushManifest(Endpoint ep, Reference ref, ContentStore store, Descriptor manifest, String target, int[] counts, int depth)
      throws IOException {
    byte[] bytes = store.read(manifest, OciLayout.MAX_MANIFEST_BYTES);
    if (MediaTypes.isIndex(manifest.mediaType())) {
      if (depth == 4) throw new OciException(ref + ": indexes nested more than 4 deep");
      Index index = OciJson.parse(bytes, Index.class, "index " + manifest.digest());
      for (Descriptor child : index.manifests()) {
        if (MediaTypes.isIndex(child.mediaType()) || MediaTypes.isManifest(child.mediaType())) {
          pushManifest(ep, ref, store, child, child.digest().toString(), counts, depth + 1);
        } else {
          pushBlob(ep, ref, store, child, counts);
        }
      }
    } else if (MediaTypes.isManifest(manifest.mediaType())) {
      Manifest m = OciJson.parse(bytes, Manifest.class, "manifest " + manifest.digest());
      pushBlob(ep, ref, store, m.config(), counts);
      for (Descriptor l : m.layers()) pushBlob(ep, ref, store, l, counts);
    } else {
      throw new OciException("cannot push " + manifest.digest() + ": media type \"" + manifest.mediaType() + "\" is not a manifest or index");
    }
    URI uri = manifestUri(ep, ref.repository(), target);
    HttpResponse<InputStream> r = send(ep, "PUT", uri, Map.of("Content-Type", manifest.mediaType()),
        () -> HttpRequest.BodyPublishers.ofByteArray(bytes), pushScope(ref));
    expect(r, "PUT", 201, 200);
    r.body().close();
    String stored = r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (stored != null && !stored.equals(manifest.digest().toString())) {
      // a registry that stored other bytes than we sent would make the digest a lie
      throw new OciException("PUT " + uri + ": the registry stored the manifest as " + stored + ", not " + manifest.digest());
    }
  }

  private void pushBlob(Endpoint ep, Reference ref, ContentStore store, Descriptor blob, int[] counts) throws IOException {
    URI blobUri = ep.base().resolve("/v2/" + ref.repository() + "/blobs/" + blob.digest());
    HttpResponse<InputStream> head = send(ep, "HEAD", blobUri, Map.of(), null, pushScope(ref));
    head.body().close();
    if (head.statusCode() == 200) {
      counts[1]++;
      return;
    }
    if (head.statusCode() != 404) expect(head, "HEAD", 200);
    if (store.size(blob.digest()) != blob.size()) {
      throw DigestMismatchException.tooShort("blob " + blob.digest() + " in " + store.root(), blob.digest(), blob.size(), store.size(blob.digest()));
    }
    URI start = ep.base().resolve("/v2/" + ref.repository() + "/blobs/uploads/");
    HttpResponse<InputStream> post = send(ep, "POST", start, Map.of(), HttpRequest.BodyPublishers::noBody, pushScope(ref));
    expect(post, "POST", 202);
    post.body().close();
    String location = post.headers().firstValue("Location")
        .orElseThrow(() -> new RegistryException("POST " + start + ": 202 without a Location header", 202, start, List.of()));
    URI upload = start.resolve(location);
    String sep = upload.getRawQuery() == null ? "?" : "&";
    URI put = URI.create(upload + sep + "digest=" + URLEncoder.encode(blob.digest().toString(), StandardCharsets.UTF_8));
    java.nio.file.Path file = store.path(blob.digest());
    HttpResponse<InputStream> r = send(ep, "PUT", put, Map.of("Content-Type", "application/octet-stream"), () -> {
      try {
        return HttpRequest.BodyPublishers.ofFile(file);
      } catch (java.io.FileNotFoundException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, pushScope(ref));
    expect(r, "PUT", 201);
    r.body().close();
    counts[0]++;
  }

  // ---------------------------------------------------------------- HTTP, auth, errors

  private Endpoint endpoint(String registry) {
    String host = registry.equals(Reference.DOCKER_HUB) ? Reference.DOCKER_HUB_API : registry;
    String scheme = options.insecure().contains(registry) || options.insecure().contains(host) ? "http" : "https";
    return new Endpoint(URI.create(scheme + "://" + host + "/"), registry);
  }

  /** One request against one endpoint (a mirror, or the registry itself). */
  private interface EndpointCall<T> {
    T call(Endpoint ep) throws IOException;
  }

  /**
   * Tries each pull endpoint in turn, mirrors first. An endpoint that fails lets the next one try;
   * a digest mismatch is an answer (wrong content), not an unreachable mirror, and ends the search.
   */
  private <T> T onFirstEndpoint(Reference ref, EndpointCall<T> call) throws IOException {
    IOException last = null;
    for (Endpoint ep : pullEndpoints(ref)) {
      try {
        return call.call(ep);
      } catch (DigestMismatchException e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private List<Endpoint> pullEndpoints(Reference ref) {
    List<Endpoint> out = new ArrayList<>();
    if (ref.registry().equals(Reference.DOCKER_HUB)) {
      for (URI m : options.mirrors()) {
        String authority = m.getRawAuthority();
        out.add(new Endpoint(URI.create(m.getScheme() + "://" + authority + "/"), authority));
      }
    }
    out.add(endpoint(ref.registry()));
    return out;
  }

  private static URI manifestUri(Endpoint ep, String repository, String reference) {
    return ep.base().resolve("/v2/" + repository + "/manifests/" + reference);
  }

  private static String pullScope(Reference ref) {
    return "repository:" + ref.repository() + ":pull";
  }

  private static String pushScope(Reference ref) {
    return "repository:" + ref.repository() + ":pull,push";
  }

  private static String mediaType(HttpResponse<?> r) {
    return r.headers().firstValue("Content-Type").map(t -> {
      int semi = t.indexOf(';');
      return (semi >= 0 ? t.substring(0, semi) : t).trim();
    }).filter(t -> !t.isEmpty()).orElse(null);
  }

  /**
   * Sends a request with the authorization we have for {@code scope}; on 401 answers the challenge and
   * retries once. {@code body} makes a fresh publisher per attempt (null: no body).
   */
  private HttpResponse<InputStream> send(Endpoint ep, String method, URI uri, Map<String, String> headers,
                                         Supplier<HttpRequest.BodyPublisher> body, String scope) throws IOException {
    String auth = cachedAuthorization(ep.registry(), scope);
    HttpResponse<InputStream> r = sendFollowingRedirects(method, uri, headers, body, auth);
    if (r.statusCode() != 401) return r;
    String header = r.headers().firstValue("WWW-Authenticate").orElse(null);
    if (header == null) return r;
    Challenge c = Challenge.parse(header);
    if (c == null) return r;
    String fresh = authorize(ep, c, scope, uri);
    if (fresh == null || fresh.equals(auth)) return r;
    r.body().close();
    return sendFollowingRedirects(method, uri, headers, body, fresh);
  }

  private String cachedAuthorization(String registry, String scope) {
    // a token is good for the scope it was issued for only; a scope-less one (for /v2/) for nothing else
    String t = tokens.get(registry + " " + (scope == null ? "" : scope));
    if (t != null) return t;
    return basicAuth.get(registry);
  }

  /** The Authorization value answering {@code c}, cached; null when we have nothing to answer with. */
  private String authorize(Endpoint ep, Challenge c, String scope, URI uri) throws IOException {
    String registry = ep.registry();
    var login = options.credentials().lookup(registry);
    if (c.scheme().equals("basic")) {
      if (login.isEmpty()) {
        throw new RegistryException(uri + ": 401 Unauthorized: the registry asks for a login (Basic) and no credentials are configured for "
            + registry, 401, uri, List.of());
      }
      String value = "Basic " + Base64.getEncoder().encodeToString(
          (login.get().username() + ":" + login.get().password()).getBytes(StandardCharsets.UTF_8));
      basicAuth.put(registry, value);
      return value;
    }
    if (!c.scheme().equals("bearer")) {
      throw new RegistryException(uri + ": 401 Unauthorized: unsupported authentication scheme \"" + c.scheme() + "\"", 401, uri, List.of());
    }
    String realm = c.params().get("realm");
    if (realm == null) throw new RegistryException(uri + ": 401 Unauthorized: Bearer challenge without a realm", 401, uri, List.of());
    String wantScope = c.params().getOrDefault("scope", scope);
    StringBuilder q = new StringBuilder();
    if (c.params().containsKey("service")) q.append("service=").append(URLEncoder.encode(c.params().get("service"), StandardCharsets.UTF_8));
    if (wantScope != null) {
      for (String s : wantScope.split(" ")) {
        if (!q.isEmpty()) q.append('&');
        q.append("scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
      }
    }
    URI realmUri = URI.create(realm);
    URI tokenUri = URI.create(realm + (q.isEmpty() ? "" : (realmUri.getRawQuery() == null ? "?" : "&") + q));
    HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).timeout(options.requestTimeout()).header("User-Agent", options.userAgent()).GET();
    login.ifPresent(l -> b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
        (l.username() + ":" + l.password()).getBytes(StandardCharsets.UTF_8))));
    HttpResponse<InputStream> r = exchange(b.build());
    expect(r, "GET", 200);
    JsonNode n;
    try (InputStream in = r.body()) {
      n = JSON.readTree(in.readNBytes(1 << 20));
    } catch (IOException e) {
      throw new OciException("token from " + tokenUri + ": invalid JSON: " + e.getMessage());
    }
    JsonNode token = n == null ? null : n.hasNonNull("token") ? n.get("token") : n.get("access_token");
    if (token == null || !token.isTextual() || token.asText().isEmpty()) {
      throw new OciException("token from " + tokenUri + ": no \"token\" or \"access_token\" in the answer");
    }
    String value = "Bearer " + token.asText();
    tokens.put(registry + " " + (scope == null ? "" : scope), value);
    return value;
  }

  private HttpResponse<InputStream> sendFollowingRedirects(String method, URI uri, Map<String, String> headers,
                                                           Supplier<HttpRequest.BodyPublisher> body, String auth) throws IOException {
    URI current = uri;
    String m = method;
    boolean sameOrigin = true;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(options.requestTimeout()).header("User-Agent", options.userAgent());
      headers.forEach(b::header);
      if (auth != null && sameOrigin) b.header("Authorization", auth);
      HttpRequest.BodyPublisher p;
      try {
        p = body == null || m.equals("GET") || m.equals("HEAD") ? HttpRequest.BodyPublishers.noBody() : body.get();
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      b.method(m, p);
      HttpResponse<InputStream> r = exchange(b.build());
      int s = r.statusCode();
      if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) return r;
      String loc = r.headers().firstValue("Location").orElse(null);
      if (loc == null) return r;
      r.body().close();
      if (hop == MAX_REDIRECTS) throw new RegistryException(method + " " + uri + ": more than " + MAX_REDIRECTS + " redirects", s, current, List.of());
      URI next = current.resolve(loc);
      if (!Objects.equals(next.getScheme(), uri.getScheme()) || !Objects.equals(next.getRawAuthority(), uri.getRawAuthority())) sameOrigin = false;
      if (s == 303 || ((s == 301 || s == 302) && m.equals("POST"))) m = "GET";
      current = next;
    }
  }

  private HttpResponse<InputStream> exchange(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(request.method() + " " + request.uri() + ": interrupted");
    } catch (java.net.http.HttpTimeoutException e) {
      throw new java.net.http.HttpTimeoutException(request.method() + " " + request.uri() + ": timed out: " + e.getMessage());
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IOException(request.method() + " " + request.uri() + ": " + msg, e);
    }
  }

  /** Returns if the status is one of {@code ok}; else throws with the registry's errors (and closes the body). */
  private static void expect(HttpResponse<InputStream> r, String method, int... ok) throws IOException {
    for (int s : ok) if (r.statusCode() == s) return;
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(MAX_ERROR_BODY);
    } catch (IOException e) {
      body = new byte[0];
    }
    RegistryException e = error(method, r.request().uri(), r.statusCode(), body);
    if (r.statusCode() == 401 && r.request().headers().firstValue("Authorization").isPresent()) {
      throw new RegistryException(e.getMessage() + " (the registry refused the credentials)", e.status(), e.uri(), e.errors());
    }
    throw e;
  }

  static RegistryException error(String method, URI uri, int status, byte[] body) {
    List<RegistryException.Error> errors = new ArrayList<>();
    try {
      JsonNode n = body.length == 0 ? null : JSON.readTree(body);
      JsonNode list = n == null ? null : n.get("errors");
      if (list != null && list.isArray()) {
        for (JsonNode e : list) {
          String code = e.path("code").isTextual() ? e.get("code").asText() : null;
          String message = e.path("message").isTextual() ? e.get("message").asText() : null;
          errors.add(new RegistryException.Error(code, message));
        }
      }
    } catch (IOException | RuntimeException notJson) {
      // described below from the raw text
    }
    StringBuilder msg = new StringBuilder(method).append(' ').append(uri).append(": ").append(status).append(' ').append(reason(status));
    if (!errors.isEmpty()) {
      for (RegistryException.Error e : errors) {
        msg.append(": ").append(e.code() == null ? "?" : e.code());
        if (e.message() != null && !e.message().isEmpty()) msg.append(" (").append(e.message()).append(')');
      }
    } else if (body.length > 0) {
      String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
      if (!text.isEmpty()) msg.append(": ").append(text);
    }
    return new RegistryException(msg.toString(), status, uri, errors);
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      case 416 -> "Range Not Satisfiable";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      default -> "";
    };
  }

  /** A parsed {@code WWW-Authenticate} header: scheme (lower case) and its auth-params. */
  record Challenge(String scheme, Map<String, String> params) {
    static Challenge parse(String header) {
      String h = header.strip();
      int sp = h.indexOf(' ');
      String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
      if (scheme.isEmpty()) return null;
      Map<String, String> params = new LinkedHashMap<>();
      int i = sp < 0 ? h.length() : sp + 1;
      while (i < h.length()) {
        while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) i++;
        int eq = h.indexOf('=', i);
        if (eq < 0) break;
        String key = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
        i = eq + 1;
        StringBuilder v = new StringBuilder();
        if (i < h.length() && h.charAt(i) == '"') {
          i++;
          while (i < h.length() && h.charAt(i) != '"') {
            if (h.charAt(i) == '\\' && i + 1 < h.length()) i++;
            v.append(h.charAt(i++));
          }
          i++;
        } else {
          while (i < h.length() && h.charAt(i) != ',') v.append(h.charAt(i++));
        }
        params.put(key, v.toString().strip());
      }
      return new Challenge(scheme, params);
    }
  }
}
