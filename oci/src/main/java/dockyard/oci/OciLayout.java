package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dockyard.oci.fs.SafeFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * An OCI image layout directory: {@code oci-layout}, {@code index.json} and {@code blobs/}. Tags
 * are the {@link Annotations#REF_NAME} annotations of index.json's entries, one entry per tag.
 * index.json is rewritten whole and renamed into place, under a lock (threads of this process and
 * other processes that lock {@code oci-layout} the same way), so readers never see half a file.
 * Blobs are written before the index entry that refers to them, so the layout is valid at every
 * moment even if the writer dies.
 */
public final class OciLayout {
  public static final String LAYOUT_FILE = "oci-layout";
  public static final String INDEX_FILE = "index.json";
  public static final String LAYOUT_VERSION = "1.0.0";
  /** The distribution-spec lets registries refuse manifests over 4 MiB; nothing legitimate is bigger. */
  public static final long MAX_MANIFEST_BYTES = 4L << 20;
  public static final long MAX_CONFIG_BYTES = 16L << 20;
  /** An index may point at an index; real ones nest once or twice, a loop must not hang us. */
  private static final int MAX_NESTING = 8;
  /** The image-spec's grammar for org.opencontainers.image.ref.name. */
  private static final Pattern REF_NAME = Pattern.compile("[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*");
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final Path dir;
  private final ContentStore store;

  @JsonIgnoreProperties(ignoreUnknown = true)
  record LayoutHeader(String imageLayoutVersion) {}

  private OciLayout(Path dir) {
    this.dir = dir;
    this.store = ContentStore.at(dir);
  }

  /** Makes a new, empty layout; {@code dir} may exist (empty or not) but must not be a layout already. */
  public static OciLayout create(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    Files.createDirectories(d.resolve("blobs").resolve(Digest.Algorithm.SHA256.id()));
    if (Files.exists(d.resolve(LAYOUT_FILE))) throw new OciException(d + ": already an OCI image layout");
    // index.json first: the oci-layout file is what makes the directory a layout, so it comes last
    SafeFiles.writeAtomically(d.resolve(INDEX_FILE), OciJson.canonical(Index.of(List.of())));
    SafeFiles.writeAtomically(d.resolve(LAYOUT_FILE), OciJson.canonical(new LayoutHeader(LAYOUT_VERSION)));
    return new OciLayout(d);
  }

  /** Opens an existing layout, checking its {@code oci-layout} and {@code index.json}. */
  public static OciLayout open(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    Path header = d.resolve(LAYOUT_FILE);
    if (!Files.isRegularFile(header)) {
      throw new OciException(header + ": missing" + (Files.isDirectory(d) ? " (" + d + " is not an OCI image layout)" : ""));
    }
    LayoutHeader h = OciJson.read(header, LayoutHeader.class);
    if (h.imageLayoutVersion() == null) throw new OciException(header + ": imageLayoutVersion: missing");
    if (!LAYOUT_VERSION.equals(h.imageLayoutVersion())) {
      throw new OciException(header + ": imageLayoutVersion: \"" + h.imageLayoutVersion() + "\" is not supported (want " + LAYOUT_VERSION + ")");
    }
    OciLayout layout = new OciLayout(d);
    layout.index();
    return layout;
  }

  public static OciLayout openOrCreate(Path dir) throws IOException {
    return Files.exists(dir.resolve(LAYOUT_FILE)) ? open(dir) : create(dir);
  }

  public Path dir() {
    return dir;
  }

  public ContentStore store() {
    return store;
  }

  /**
   * index.json as it is on disk now. Tags other tools wrote are not checked against the ref.name
   * grammar here (one odd tag should not hide the others); tags this class writes are.
   */
  public Index index() throws IOException {
    return OciJson.read(dir.resolve(INDEX_FILE), Index.class);
  }

  /** Every tag, in index order. */
  public List<String> tags() throws IOException {
    List<String> tags = new ArrayList<>();
    for (Descriptor d : index().manifests()) {
      String tag = d.annotation(Annotations.REF_NAME);
      if (tag != null) tags.add(tag);
    }
    return tags;
  }

  public Optional<Descriptor> find(String tag) throws IOException {
    for (Descriptor d : index().manifests()) {
      if (tag.equals(d.annotation(Annotations.REF_NAME))) return Optional.of(d);
    }
    return Optional.empty();
  }

  /**
   * The index.json entry tagged {@code tag}. With a null or empty tag, the only entry there is
   * (as {@code skopeo} reads {@code oci:DIR} without a tag).
   */
  public Descriptor resolve(String tag) throws IOException {
    Index index = index();
    if (tag == null || tag.isEmpty()) {
      if (index.manifests().size() == 1) return index.manifests().getFirst();
      throw new OciException(dir.resolve(INDEX_FILE) + ": no tag given and the index has " + index.manifests().size()
          + " manifests (tags: " + String.join(", ", tags()) + ")");
    }
    for (Descriptor d : index.manifests()) {
      if (tag.equals(d.annotation(Annotations.REF_NAME))) return d;
    }
    List<String> tags = tags();
    throw new OciException(dir.resolve(INDEX_FILE) + ": no manifest tagged \"" + tag + "\" (tags: "
        + (tags.isEmpty() ? "none" : String.join(", ", tags)) + ")");
  }

  /**
   * Adds a manifest or index (already in the store) to index.json, tagged {@code tag} unless that
   * is null. The tag moves: any other entry with it is removed. Returns the entry as written.
   */
  public Descriptor addManifest(Descriptor manifest, String tag) throws IOException {
    if (!MediaTypes.isManifest(manifest.mediaType()) && !MediaTypes.isIndex(manifest.mediaType())) {
      throw new OciException("cannot add " + manifest.digest() + " to " + INDEX_FILE + ": media type \"" + manifest.mediaType()
          + "\" is neither a manifest nor an index");
    }
    if (!store.exists(manifest.digest())) throw new BlobNotFoundException(manifest.digest(), dir);
    Descriptor entry = tag == null ? manifest : manifest.withAnnotation(Annotations.REF_NAME, checkTag(tag));
    updateIndex(index -> {
      List<Descriptor> next = new ArrayList<>();
      for (Descriptor d : index.manifests()) {
        if (tag != null && tag.equals(d.annotation(Annotations.REF_NAME))) continue;
        if (tag == null && d.equals(entry)) continue; // adding the same untagged entry twice changes nothing
        next.add(d);
      }
      next.add(entry);
      return index.withManifests(next);
    });
    return entry;
  }

  /**
   * {@link #addManifest} for several tags at once, in one rewrite of index.json (each rewrite is two
   * fsyncs under the layout's lock, which concurrent pulls would otherwise queue on). Entries are
   * added in the map's order; each tag moves as with {@link #addManifest}.
   */
  public void addManifests(Map<String, Descriptor> byTag) throws IOException {
    if (byTag.isEmpty()) return;
    List<Descriptor> entries = new ArrayList<>();
    for (var e : byTag.entrySet()) {
      Descriptor manifest = e.getValue();
      if (!MediaTypes.isManifest(manifest.mediaType()) && !MediaTypes.isIndex(manifest.mediaType())) {
        throw new OciException("cannot add " + manifest.digest() + " to " + INDEX_FILE + ": media type \"" + manifest.mediaType()
            + "\" is neither a manifest nor an index");
      }
      if (!store.exists(manifest.digest())) throw new BlobNotFoundException(manifest.digest(), dir);
      entries.add(manifest.withAnnotation(Annotations.REF_NAME, checkTag(e.getKey())));
    }
    java.util.Set<String> tags = new java.util.HashSet<>(byTag.keySet());
    updateIndex(index -> {
      List<Descriptor> next = new ArrayList<>();
      for (Descriptor d : index.manifests()) {
        if (!tags.contains(d.annotation(Annotations.REF_NAME))) next.add(d);
      }
      next.addAll(entries);
      return index.withManifests(next);
    });
  }

  /** Removes the entry tagged {@code tag}; its blobs stay (other entries may share them). */
  public boolean removeTag(String tag) throws IOException {
    boolean[] removed = {false};
    updateIndex(index -> {
      List<Descriptor> next = new ArrayList<>();
      for (Descriptor d : index.manifests()) {
        if (tag.equals(d.annotation(Annotations.REF_NAME))) removed[0] = true;
        else next.add(d);
      }
      return index.withManifests(next);
    });
    return removed[0];
  }

  /**
   * Stores a layer tar, plain or gzip (told by its magic bytes), and works out its diff ID (for
   * gzip that is a second, decompressing read of the stored blob).
   */
  public Layer putLayer(InputStream tarOrGzip) throws IOException {
    BufferedInputStream in = new BufferedInputStream(tarOrGzip, 1 << 16);
    Compression c = Compression.detect(in);
    if (c != Compression.NONE && c != Compression.GZIP) c.decompress(in, "layer"); // throws: unsupported
    Descriptor blob = store.put(c == Compression.GZIP ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, in);
    return new Layer(blob, diffId(blob));
  }

  /** The digest of the uncompressed tar of a stored layer blob. */
  public Digest diffId(Descriptor blob) throws IOException {
    return DiffIds.of(store, blob);
  }

  /**
   * Writes an image from layers already in the store: a config (the platform, {@code runConfig}
   * and the layers' diff IDs; no timestamps, so equal inputs give byte-identical blobs), an OCI
   * manifest, and an index.json entry tagged {@code tag} carrying the platform.
   */
  public Image writeImage(String tag, Platform platform, ImageConfig.Config runConfig, List<Layer> layers) throws IOException {
    List<Digest> diffIds = layers.stream().map(Layer::diffId).toList();
    ImageConfig config = new ImageConfig(null, null, platform.architecture(), platform.os(), platform.osVersion(), platform.osFeatures(),
        platform.variant(), runConfig, ImageConfig.RootFs.of(diffIds), null);
    return writeImage(tag, config, layers.stream().map(Layer::blob).toList(), null);
  }

  /** Writes {@code config} and a manifest over {@code layers}; the config's diff IDs must match them. */
  public Image writeImage(String tag, ImageConfig config, List<Descriptor> layers, Map<String, String> manifestAnnotations) throws IOException {
    if (config.rootfs().diffIds().size() != layers.size()) {
      throw new OciException("cannot write image " + tag + ": " + layers.size() + " layers but the config lists "
          + config.rootfs().diffIds().size() + " diff_ids");
    }
    for (Descriptor layer : layers) {
      if (!store.exists(layer.digest())) throw new BlobNotFoundException(layer.digest(), dir);
    }
    Descriptor configBlob = store.putJson(MediaTypes.OCI_CONFIG, config);
    Manifest manifest = Manifest.of(configBlob, layers).withAnnotations(manifestAnnotations);
    Descriptor manifestBlob = store.putJson(MediaTypes.OCI_MANIFEST, manifest).withPlatform(config.platform());
    Descriptor entry = addManifest(manifestBlob, tag);
    return new Image(entry, manifest, config);
  }

  /**
   * The image tagged {@code tag} for the selector's platform, following indexes (an index.json
   * entry may itself be an index). Every blob read is verified; errors name the blob and field.
   */
  public Image readImage(String tag, PlatformSelector selector) throws IOException {
    return readImage(resolve(tag), selector);
  }

  public Image readImage(Descriptor descriptor, PlatformSelector selector) throws IOException {
    Descriptor d = descriptor;
    for (int depth = 0; MediaTypes.isIndex(d.mediaType()); depth++) {
      if (depth == MAX_NESTING) throw new OciException(d.digest().blobPath() + ": indexes nested more than " + MAX_NESTING + " deep");
      d = selector.select(readIndex(d), d.digest().blobPath());
    }
    if (!MediaTypes.isManifest(d.mediaType())) {
      if (MediaTypes.DOCKER_MANIFEST_V1_SIGNED.equals(d.mediaType()) || MediaTypes.DOCKER_MANIFEST_V1.equals(d.mediaType())) {
        throw new OciException(d.digest().blobPath() + ": Docker schema 1 manifests are not supported (pull the image again with a current tool)");
      }
      throw new OciException(d.digest().blobPath() + ": media type \"" + d.mediaType() + "\" is not an image manifest or index");
    }
    Manifest manifest = readManifest(d);
    if (!MediaTypes.isConfig(manifest.config().mediaType())) {
      throw new OciException(d.digest().blobPath() + ": config.mediaType: \"" + manifest.config().mediaType() + "\" is not an image config");
    }
    ImageConfig config = store.readJson(manifest.config(), ImageConfig.class, MAX_CONFIG_BYTES);
    if (config.rootfs().diffIds().size() != manifest.layers().size()) {
      throw new OciException(d.digest().blobPath() + ": layers: " + manifest.layers().size() + " layers but config "
          + manifest.config().digest().blobPath() + " lists " + config.rootfs().diffIds().size() + " diff_ids");
    }
    return new Image(d, manifest, config);
  }

  public Manifest readManifest(Descriptor d) throws IOException {
    Manifest m = store.readJson(d, Manifest.class, MAX_MANIFEST_BYTES);
    if (m.mediaType() != null && !m.mediaType().equals(d.mediaType())) {
      // the type a reader acts on must be the type that was verified: refuse the disagreement
      throw new OciException(d.digest().blobPath() + ": mediaType: \"" + m.mediaType() + "\" but its descriptor says \"" + d.mediaType() + "\"");
    }
    return m;
  }

  public Index readIndex(Descriptor d) throws IOException {
    Index index = store.readJson(d, Index.class, MAX_MANIFEST_BYTES);
    if (index.mediaType() != null && !index.mediaType().equals(d.mediaType())) {
      throw new OciException(d.digest().blobPath() + ": mediaType: \"" + index.mediaType() + "\" but its descriptor says \"" + d.mediaType() + "\"");
    }
    return index;
  }

  private static String checkTag(String tag) throws OciException {
    if (!REF_NAME.matcher(tag).matches()) {
      throw new OciException("invalid tag \"" + tag + "\": " + Annotations.REF_NAME + " allows letters, digits and . _ - : @ + / between them");
    }
    return tag;
  }

  /**
   * Read-modify-write of index.json under both an in-process lock (a JVM may not hold two file
   * locks on one file) and an exclusive lock on {@code oci-layout} for other processes.
   */
  private void updateIndex(UnaryOperator<Index> change) throws IOException {
    ReentrantLock lock = LOCKS.computeIfAbsent(dir, k -> new ReentrantLock());
    lock.lock();
    try (FileChannel ch = FileChannel.open(dir.resolve(LAYOUT_FILE), StandardOpenOption.WRITE);
         FileLock ignored = ch.lock()) {
      Index next = change.apply(index());
      SafeFiles.writeAtomically(dir.resolve(INDEX_FILE), OciJson.canonical(next));
    } finally {
      lock.unlock();
    }
  }
}
