package dockyard.linuxkit.image;

import dockyard.oci.ContentStore;
import dockyard.oci.Descriptor;
import dockyard.oci.DockerArchive;
import dockyard.oci.Image;
import dockyard.oci.OciException;
import dockyard.oci.OciLayout;
import dockyard.oci.PlatformSelector;
import dockyard.oci.layer.LayerUnpacker;
import dockyard.oci.layer.UnpackOptions;
import dockyard.oci.registry.Reference;
import dockyard.oci.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Finds the images a build names and unpacks them, caching both by digest under one directory
 * (LinuxKit's ~/.linuxkit/cache idea): {@code layout/} is an OCI image layout whose tags are full
 * references, {@code rootfs/HEX/} the unpacked file system of the manifest with digest sha256:HEX.
 *
 * <p>Names: {@code oci:DIR[:TAG]} reads an OCI layout in place; {@code docker-archive:FILE[:NAME:TAG]}
 * imports a {@code docker save} tarball; anything else is a registry reference, used from the cache
 * when present (always for a digest; for a tag unless {@code pull}) and pulled otherwise. Every blob
 * is verified against its digest when read, so a damaged layout or registry answer fails the build.
 */
public final class ImageSource implements AutoCloseable {
  /** An image ready to use: its name as written, the manifest and config, and the unpacked root. */
  public record Resolved(String name, Image image, Path rootfs) {
    public String digestHex() {
      return image.descriptor().digest().hex();
    }
  }

  private final Path cacheDir;
  private final RegistryClient.Options registryOptions;
  private RegistryClient registry;
  private final boolean pull;
  private final PlatformSelector platform;
  private final Consumer<String> log;
  private final Map<String, Resolved> resolved = new HashMap<>();
  private OciLayout cache;

  public ImageSource(Path cacheDir, RegistryClient.Options registry, boolean pull, PlatformSelector platform, Consumer<String> log) {
    this.cacheDir = cacheDir;
    this.registryOptions = registry;
    this.pull = pull;
    this.platform = platform;
    this.log = line -> {
      synchronized (this) { // images resolve on several threads; the caller's log need not be thread-safe
        log.accept(line);
      }
    };
  }

  /** Closes the registry client, if one was made. */
  @Override
  public synchronized void close() {
    if (registry != null) registry.close();
    registry = null;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** The cache's OCI layout, created on first use. */
  public synchronized OciLayout cache() throws IOException {
    if (cache == null) cache = OciLayout.openOrCreate(cacheDir.resolve("layout"));
    return cache;
  }

  /** An image name as the YAML wrote it, and where ("app.yml:12: services[0].image") for errors. */
  public record Wanted(String name, String where) {}

  /**
   * Resolves and unpacks every wanted image, concurrently (pulls and unpacks overlap); errors are
   * reported for the first failing image in the given order, so a build fails the same way each time.
   */
  public Map<String, Resolved> resolveAll(List<Wanted> wanted) throws IOException {
    Map<String, java.util.concurrent.Future<Resolved>> futures = new java.util.LinkedHashMap<>();
    // the pulled images' tags, written to index.json in one go once every pull ended (each write is
    // two fsyncs under the layout's lock: one per image would queue the pulls behind each other);
    // a pulled image's blobs are all stored before its tag is written, as with one write per image
    Map<String, Descriptor> tags = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    Map<String, Resolved> out = new java.util.LinkedHashMap<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (Wanted w : wanted) futures.computeIfAbsent(w.name(), n -> pool.submit(() -> resolve(w.name(), w.where(), tags)));
      for (var e : futures.entrySet()) out.put(e.getKey(), dockyard.oci.Futures.await(e.getValue(), "fetching images"));
    } catch (IOException | RuntimeException e) {
      // what was pulled stays found by its tag, also when another image failed
      try {
        writeTags(tags);
      } catch (IOException | RuntimeException t) {
        e.addSuppressed(t);
      }
      throw e;
    }
    writeTags(tags);
    return out;
  }

  private void writeTags(Map<String, Descriptor> tags) throws IOException {
    Map<String, Descriptor> copy;
    synchronized (tags) {
      copy = new java.util.LinkedHashMap<>(tags);
    }
    if (!copy.isEmpty()) cache().addManifests(copy);
  }

  /** Resolves and unpacks {@code name}; {@code where} prefixes errors (e.g. "app.yml:12: services[0].image"). */
  public Resolved resolve(String name, String where) throws IOException {
    return resolve(name, where, null);
  }

  /** As {@link #resolve(String, String)}; a pulled image's tag goes into {@code tags} when given, else into index.json at once. */
  private Resolved resolve(String name, String where, Map<String, Descriptor> tags) throws IOException {
    synchronized (resolved) {
      Resolved r = resolved.get(name);
      if (r != null) return r;
    }
    Located located;
    try {
      located = locate(name);
    } catch (IOException e) {
      throw new OciException(where + ": image " + name + ": " + e.getMessage());
    }
    Path rootfs = cacheDir.resolve("rootfs").resolve(located.image().descriptor().digest().hex());
    ContentStore store = located.store();
    if (!Files.isDirectory(rootfs)) {
      log.accept("Unpacking " + name + " (" + located.image().descriptor().digest().shortForm() + ")");
      List<LayerUnpacker.Source> layers = new ArrayList<>();
      for (Descriptor l : located.image().manifest().layers()) {
        // a layer still to be pulled is unpacked as it downloads, and stored (verified) on the way
        layers.add(located.pulled() != null && !stored(store, l)
            ? LayerUnpacker.Source.storing(store, l, download(located.pulled(), l))
            : LayerUnpacker.Source.of(store, l));
      }
      try {
        new LayerUnpacker(UnpackOptions.defaults()).unpack(layers, rootfs);
      } catch (FileAlreadyExistsException raced) {
        // another build (or another name for the same digest) unpacked it first: same content
      } catch (IOException e) {
        throw new OciException(where + ": image " + name + ": " + e.getMessage());
      }
    }
    if (located.pulled() != null) {
      try {
        // the layers nothing unpacked (the root was there already): the cache keeps whole images
        for (Descriptor l : located.image().manifest().layers()) {
          if (!stored(store, l)) registry().fetchBlob(located.pulled().ref(), l, store);
        }
      } catch (IOException e) {
        throw new OciException(where + ": image " + name + ": " + e.getMessage());
      }
      // tagged only now that every blob it names is stored
      if (tags != null) tags.put(located.pulled().tag(), located.pulled().root());
      else cache().addManifest(located.pulled().root(), located.pulled().tag());
    }
    Resolved r = new Resolved(name, located.image(), rootfs);
    synchronized (resolved) {
      resolved.putIfAbsent(name, r);
      return resolved.get(name);
    }
  }

  /**
   * A located image; {@code pulled} when it came from a registry, whose layers may still be missing
   * from the store (the manifests and config are there) and whose tag is still to be written.
   */
  private record Located(Image image, ContentStore store, Pulled pulled) {
    Located(Image image, ContentStore store) {
      this(image, store, null);
    }
  }

  private record Pulled(Reference ref, String tag, Descriptor root) {}

  private static boolean stored(ContentStore store, Descriptor blob) throws IOException {
    return store.exists(blob.digest()) && store.size(blob.digest()) == blob.size();
  }

  private LayerUnpacker.Source download(Pulled from, Descriptor blob) {
    return new LayerUnpacker.Source() {
      @Override public String name() { return "layer " + blob.digest(); }
      @Override public java.io.InputStream open() throws IOException { return registry().openBlob(from.ref(), blob); }
    };
  }

  private synchronized RegistryClient registry() {
    if (registry == null) registry = new RegistryClient(registryOptions);
    return registry;
  }

  private Located locate(String name) throws IOException {
    if (name.startsWith("oci:")) {
      String rest = name.substring(4);
      String dir = rest, tag = null;
      int colon = rest.lastIndexOf(':');
      if (colon > 0 && rest.indexOf('/', colon) < 0) {
        dir = rest.substring(0, colon);
        tag = rest.substring(colon + 1);
      }
      OciLayout layout = OciLayout.open(Path.of(dir));
      return new Located(layout.readImage(tag, platform), layout.store());
    }
    if (name.startsWith("docker-archive:")) {
      String rest = name.substring("docker-archive:".length());
      String file = rest, ref = null;
      int colon = rest.indexOf(':');
      if (colon > 0) {
        file = rest.substring(0, colon);
        ref = rest.substring(colon + 1);
      }
      OciLayout c = cache();
      List<DockerArchive.Entry> entries = DockerArchive.importInto(Path.of(file), c);
      for (DockerArchive.Entry e : entries) {
        if (ref == null ? entries.size() == 1 : e.repoTags().contains(ref) || e.repoTags().contains(qualified(ref))) {
          return new Located(e.image(), c.store());
        }
      }
      List<String> tags = entries.stream().flatMap(e -> e.repoTags().stream()).toList();
      throw new OciException(ref == null ? "the archive holds " + entries.size() + " images; name one of " + tags
          : "the archive has no image " + ref + " (it has " + tags + ")");
    }
    Reference ref = Reference.parse(name);
    OciLayout c = cache();
    String tag = ref.toString();
    if (!pull || ref.digest() != null) {
      var cached = c.find(tag);
      if (cached.isPresent()) return new Located(c.readImage(cached.get(), platform), c.store());
    }
    log.accept("Pulling " + tag);
    // made only when something is pulled: its HTTP client's selector thread sits in native code,
    // which makes the JVM wait about 300 ms at exit for nothing when everything came from the cache
    RegistryClient.PullResult result = registry().pull(ref, platform, c.store(), true);
    return new Located(result.image(), c.store(), new Pulled(ref, tag, result.root()));
  }

  private static String qualified(String ref) {
    try {
      return Reference.parse(ref).toString();
    } catch (RuntimeException e) {
      return ref;
    }
  }
}
