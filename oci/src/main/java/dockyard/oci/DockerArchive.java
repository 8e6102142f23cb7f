package dockyard.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code docker save} archive (Docker's image spec v1.2 "combined" format, as written by
 * Docker, Podman and skopeo's docker-archive: transport) into a content store: each image's config
 * and layers become blobs, and an OCI manifest is written for it. {@code manifest.json} names the
 * files; the legacy {@code repositories} file supplies tags where manifest.json has none. Layers
 * may be plain or gzip'd tars, stored directly, as {@code <id>/layer.tar}, or as symlinks to
 * another image's layer (all three occur). The archive carries no layer digests, so integrity
 * comes from the config: each layer's diff ID must be the one the config lists, and a config
 * named by its digest ({@code <hex>.json}, {@code blobs/sha256/<hex>}) must have that digest.
 */
public final class DockerArchive {
  private DockerArchive() {}

  private static final long MAX_METADATA = 16L << 20;
  private static final int MAX_LINKS = 16;

  /** One image of the archive, with the tags it was saved under (possibly none). */
  public record Entry(List<String> repoTags, Image image) {
    public Entry {
      repoTags = List.copyOf(repoTags);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ManifestItem(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags, @JsonProperty("Layers") List<String> layers) {}

  /** Reads every image in {@code archive} into {@code store}. */
  public static List<Entry> read(Path archive, ContentStore store) throws IOException {
    // pass 1: the small files and the archive's links; pass 2: only the blobs manifest.json names
    Index index = scan(archive);
    if (index.manifestJson == null) {
      throw new OciException(archive + ": no manifest.json (archives saved by Docker before 1.10 are not supported)");
    }
    List<ManifestItem> items = parseManifest(index.manifestJson, archive);
    Set<String> wanted = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      ManifestItem item = items.get(i);
      String where = archive + ": manifest.json[" + i + "]";
      if (item.config() == null) throw new OciException(where + ": missing required field \"Config\"");
      if (item.layers() == null) throw new OciException(where + ": missing required field \"Layers\"");
      wanted.add(index.resolve(item.config(), where + ".Config"));
      for (int j = 0; j < item.layers().size(); j++) wanted.add(index.resolve(item.layers().get(j), where + ".Layers[" + j + "]"));
    }
    Map<String, Descriptor> blobs = storeBlobs(archive, store, wanted, index);

    Map<String, Map<String, String>> repositories = index.repositoriesJson == null ? Map.of() : parseRepositories(index.repositoriesJson, archive);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) out.add(convert(items.get(i), archive + ": manifest.json[" + i + "]", index, blobs, repositories, store));
    return out;
  }

  /** Reads the archive into {@code layout}'s store and tags each image with each of its RepoTags. */
  public static List<Entry> importInto(Path archive, OciLayout layout) throws IOException {
    List<Entry> entries = read(archive, layout.store());
    for (Entry e : entries) {
      if (e.repoTags().isEmpty()) layout.addManifest(e.image().descriptor(), null);
      for (String tag : e.repoTags()) layout.addManifest(e.image().descriptor(), tag);
    }
    return entries;
  }

  private static Entry convert(ManifestItem item, String where, Index index, Map<String, Descriptor> blobs,
      Map<String, Map<String, String>> repositories, ContentStore store) throws IOException {
    String configFile = index.resolve(item.config(), where + ".Config");
    Descriptor configBlob = blobs.get(configFile).withMediaType(MediaTypes.OCI_CONFIG);
    Digest named = digestInName(item.config());
    if (named != null && !named.equals(configBlob.digest())) {
      throw DigestMismatchException.digest(where + ".Config " + item.config(), named, configBlob.digest(), configBlob.size());
    }
    ImageConfig config = OciJson.parse(store.read(configBlob, OciLayout.MAX_CONFIG_BYTES), ImageConfig.class, item.config());
    List<Digest> diffIds = config.rootfs().diffIds();
    if (diffIds.size() != item.layers().size()) {
      throw new OciException(where + ": " + item.layers().size() + " layers but config " + item.config() + " lists " + diffIds.size() + " diff_ids");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int j = 0; j < item.layers().size(); j++) {
      Descriptor raw = blobs.get(index.resolve(item.layers().get(j), where + ".Layers[" + j + "]"));
      Compression c;
      try (InputStream in = new BufferedInputStream(store.open(raw))) {
        c = Compression.detect(in);
      }
      if (c != Compression.NONE && c != Compression.GZIP) c.decompress(InputStream.nullInputStream(), where + ".Layers[" + j + "] " + item.layers().get(j));
      Descriptor layer = raw.withMediaType(c == Compression.GZIP ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER);
      Digest diffId = c == Compression.NONE ? layer.digest() : DiffIds.of(store, layer);
      if (!diffId.equals(diffIds.get(j))) {
        throw DigestMismatchException.digest(where + ".Layers[" + j + "] " + item.layers().get(j) + " (diff_ids[" + j + "] of the config)",
            diffIds.get(j), diffId, layer.size());
      }
      layers.add(layer);
    }
    Manifest manifest = Manifest.of(configBlob, layers);
    Descriptor manifestBlob = store.putJson(MediaTypes.OCI_MANIFEST, manifest).withPlatform(config.platform());
    List<String> tags = item.repoTags() == null || item.repoTags().isEmpty() ? legacyTags(item, index, repositories) : item.repoTags();
    return new Entry(tags, new Image(manifestBlob, manifest, config));
  }

  /** Tags from the legacy {@code repositories} file, which names an image by its top layer's directory. */
  private static List<String> legacyTags(ManifestItem item, Index index, Map<String, Map<String, String>> repositories) throws OciException {
    if (item.layers().isEmpty() || repositories.isEmpty()) return List.of();
    String top = item.layers().getLast();
    String topFile = index.resolve(top, top);
    Set<String> ids = new LinkedHashSet<>();
    if (top.contains("/")) ids.add(top.substring(0, top.lastIndexOf('/')));
    for (Map.Entry<String, String> link : index.links.entrySet()) {
      String from = link.getKey();
      if (from.contains("/") && index.resolve(from, from).equals(topFile)) ids.add(from.substring(0, from.lastIndexOf('/')));
    }
    List<String> tags = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> repo : repositories.entrySet()) {
      for (Map.Entry<String, String> tag : repo.getValue().entrySet()) {
        if (ids.contains(tag.getValue())) tags.add(repo.getKey() + ":" + tag.getKey());
      }
    }
    return tags;
  }

  /** {@code <hex>.json} or {@code blobs/sha256/<hex>}: the name promises a digest. */
  private static Digest digestInName(String name) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    if (base.endsWith(".json")) base = base.substring(0, base.length() - 5);
    if (name.startsWith("blobs/sha512/")) return base.matches("[0-9a-f]{128}") ? new Digest(Digest.Algorithm.SHA512, base) : null;
    return base.matches("[0-9a-f]{64}") ? new Digest(Digest.Algorithm.SHA256, base) : null;
  }

  /** What pass 1 learns: the metadata files and where every name in the archive leads. */
  private static final class Index {
    final Path archive;
    final Set<String> files = new HashSet<>();
    /** symlinks (already made absolute within the archive) and hardlinks, name → target name */
    final Map<String, String> links = new HashMap<>();
    byte[] manifestJson;
    byte[] repositoriesJson;

    Index(Path archive) {
      this.archive = archive;
    }

    /** The regular file a name leads to, following the archive's links. */
    String resolve(String name, String where) throws OciException {
      String n = normalize(name, where);
      for (int i = 0; i <= MAX_LINKS; i++) {
        if (files.contains(n)) return n;
        String next = links.get(n);
        if (next == null) throw new OciException(archive + ": " + where + ": \"" + name + "\" is not in the archive");
        n = next;
      }
      throw new OciException(archive + ": " + where + ": \"" + name + "\": too many levels of links");
    }

    String normalize(String name, String where) throws OciException {
      List<String> parts = new ArrayList<>();
      for (String c : name.split("/")) {
        if (c.isEmpty() || c.equals(".")) continue;
        if (c.equals("..")) {
          if (parts.isEmpty()) throw new OciException(archive + ": " + where + ": \"" + name + "\" leads outside the archive");
          parts.removeLast();
        } else {
          parts.add(c);
        }
      }
      return String.join("/", parts);
    }
  }

  private static Index scan(Path archive) throws IOException {
    Index index = new Index(archive);
    try (InputStream raw = Files.newInputStream(archive);
         TarReader tar = new TarReader(decompressed(raw, archive))) {
      for (TarEntry e; (e = tar.next()) != null; ) {
        String name = index.normalize(e.name(), "entry " + e.name());
        switch (e.type()) {
          case REGULAR -> {
            index.files.add(name);
            if (name.equals("manifest.json")) index.manifestJson = small(tar, e, archive);
            if (name.equals("repositories")) index.repositoriesJson = small(tar, e, archive);
          }
          case SYMLINK -> {
            String dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
            String target = e.linkName().startsWith("/") ? e.linkName() : dir + e.linkName();
            index.links.put(name, index.normalize(target, "symlink " + e.name()));
          }
          case HARDLINK -> index.links.put(name, index.normalize(e.linkName(), "hardlink " + e.name()));
          default -> {}
        }
      }
    }
    return index;
  }

  private static Map<String, Descriptor> storeBlobs(Path archive, ContentStore store, Set<String> wanted, Index index) throws IOException {
    Map<String, Descriptor> out = new HashMap<>();
    try (InputStream raw = Files.newInputStream(archive);
         TarReader tar = new TarReader(decompressed(raw, archive))) {
      for (TarEntry e; (e = tar.next()) != null; ) {
        if (!e.isRegular()) continue;
        String name = index.normalize(e.name(), "entry " + e.name());
        if (wanted.contains(name) && !out.containsKey(name)) out.put(name, store.put(MediaTypes.OCTET_STREAM, tar.contents()));
      }
    }
    for (String name : wanted) {
      if (!out.containsKey(name)) throw new OciException(archive + ": \"" + name + "\" changed between reads of the archive");
    }
    return out;
  }

  private static InputStream decompressed(InputStream raw, Path archive) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    return Compression.detect(in).decompress(in, archive.toString());
  }

  private static byte[] small(TarReader tar, TarEntry e, Path archive) throws IOException {
    if (e.size() > MAX_METADATA) throw new OciException(archive + ": " + e.name() + " is " + e.size() + " bytes, over the limit of " + MAX_METADATA);
    return tar.contents().readAllBytes();
  }

  private static List<ManifestItem> parseManifest(byte[] json, Path archive) throws OciException {
    try {
      return OciJson.mapper().readValue(json, new TypeReference<List<ManifestItem>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new OciException(archive + ": manifest.json: " + OciJson.describe(e), e);
    } catch (IOException e) {
      throw new OciException(archive + ": manifest.json: " + e.getMessage(), e);
    }
  }

  private static Map<String, Map<String, String>> parseRepositories(byte[] json, Path archive) throws OciException {
    try {
      return OciJson.mapper().readValue(json, new TypeReference<Map<String, Map<String, String>>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new OciException(archive + ": repositories: " + OciJson.describe(e), e);
    } catch (IOException e) {
      throw new OciException(archive + ": repositories: " + e.getMessage(), e);
    }
  }
}
