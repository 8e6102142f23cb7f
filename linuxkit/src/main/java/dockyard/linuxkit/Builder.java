package dockyard.linuxkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dockyard.linuxkit.bundle.GoJson;
import dockyard.linuxkit.bundle.OciConfig;
import dockyard.linuxkit.config.ConfigException;
import dockyard.linuxkit.config.Moby;
import dockyard.linuxkit.config.Moby.FileEntry;
import dockyard.linuxkit.config.Moby.ImageEntry;
import dockyard.linuxkit.fs.FsTree;
import dockyard.linuxkit.fs.FsTree.Bytes;
import dockyard.linuxkit.image.ImageSource;
import dockyard.linuxkit.image.ImageSource.Resolved;
import dockyard.oci.OciException;
import dockyard.oci.layer.LayerUnpacker;
import dockyard.oci.layer.UnpackOptions;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Assembles the root file system LinuxKit's init boots, in LinuxKit's order and layout:
 * {@code boot/kernel}, {@code boot/cmdline} (and {@code boot/ucode.cpio}) from the kernel image with
 * its modules tar unpacked at the root; the init images merged at the root; each onboot and
 * onshutdown container at {@code containers/onboot/NNN-NAME} and each service at
 * {@code containers/services/NAME} as an OCI bundle (config.json, runtime.json, rootfs — or lower/
 * and tmp/ for the overlay a writable container gets); then the {@code files:}.
 */
public final class Builder {
  /** LinuxKit's edits to every image's files: dropped, replaced, and made to exist. */
  static final Set<String> EXCLUDE = Set.of(".dockerenv", "Dockerfile", "dev/console", "dev/pts", "dev/shm", "etc/hostname");
  static final String HOSTS = """
      127.0.0.1       localhost
      ::1     localhost ip6-localhost ip6-loopback
      fe00::0 ip6-localnet
      ff00::0 ip6-mcastprefix
      ff02::1 ip6-allnodes
      ff02::2 ip6-allrouters
      """;
  static final String NO_RESOLV = "\n# no resolv.conf configured\n";
  /** Where init images' resolv.conf points, so a DHCP client can write it on a read-only root. */
  static final String RESOLVCONF_LINK = "/run/resolvconf/resolv.conf";

  private final ImageSource images;
  private final Consumer<String> log;
  private final boolean owners;

  public Builder(ImageSource images, Consumer<String> log) {
    this.images = images;
    this.log = log;
    this.owners = "root".equals(System.getProperty("user.name"));
  }

  /** The root file system and where the kernel parts are in it. */
  public record Result(FsTree tree, boolean hasKernel) {
    public static final String KERNEL = "boot/kernel";
    public static final String CMDLINE = "boot/cmdline";
    public static final String UCODE = "boot/ucode.cpio";
  }

  public Result build(Moby m) throws IOException {
    FsTree tree = new FsTree();
    // Fetch everything first (concurrently), so a bad image fails before any other work is done
    List<ImageSource.Wanted> wanted = new java.util.ArrayList<>();
    if (m.kernel().image() != null) wanted.add(new ImageSource.Wanted(m.kernel().image(), m.kernel().where() + ".image"));
    for (int i = 0; i < m.init().size(); i++) wanted.add(new ImageSource.Wanted(m.init().get(i), m.sources().getFirst().where("init[" + i + "]")));
    for (List<ImageEntry> section : List.of(m.onboot(), m.onshutdown(), m.services())) {
      for (ImageEntry e : section) wanted.add(new ImageSource.Wanted(e.image(), e.where("image")));
    }
    Map<String, Resolved> all = images.resolveAll(wanted);
    Resolved kernel = m.kernel().image() == null ? null : all.get(m.kernel().image());
    if (kernel != null) addKernel(tree, m.kernel(), kernel);
    for (String init : m.init()) {
      log.accept("Add init " + init);
      addImage(tree, all.get(init).rootfs(), "", true);
    }
    Map<String, Long> ids = m.idMap();
    Map<String, String> firstCopy = new HashMap<>();
    for (ImageEntry e : m.onboot()) addBundle(tree, e, String.format("containers/onboot/%03d-%s", e.index(), e.name()), all.get(e.image()), ids, firstCopy);
    for (ImageEntry e : m.onshutdown()) addBundle(tree, e, String.format("containers/onshutdown/%03d-%s", e.index(), e.name()), all.get(e.image()), ids, firstCopy);
    for (ImageEntry e : m.services()) addBundle(tree, e, "containers/services/" + e.name(), all.get(e.image()), ids, firstCopy);
    Set<String> fileDirs = new java.util.HashSet<>();
    for (FileEntry f : m.files()) addFile(tree, f, ids, m, fileDirs);
    return new Result(tree, kernel != null);
  }

  private void addKernel(FsTree tree, Moby.Kernel k, Resolved image) throws IOException {
    log.accept("Add kernel " + k.image());
    Path binary = inImage(image, k.binary(), k.where() + ".binary", "kernel");
    if (binary == null) throw new ConfigException(k.where() + ".image: kernel image " + k.image() + " has no file \"" + k.binary() + "\"");
    if (k.ucode() != null) {
      Path ucode = inImage(image, k.ucode(), k.where() + ".ucode", "ucode");
      if (ucode == null) throw new ConfigException(k.where() + ".ucode: kernel image " + k.image() + " has no file \"" + k.ucode() + "\"");
      tree.put(Result.UCODE, new FsTree.File(0644, 0, 0, new FsTree.OnDisk(ucode)));
    }
    tree.put("boot", new FsTree.Dir(0755, 0, 0));
    tree.put(Result.CMDLINE, new FsTree.File(0644, 0, 0, Bytes.of(k.cmdline())));
    tree.put(Result.KERNEL, new FsTree.File(0644, 0, 0, new FsTree.OnDisk(binary)));
    if (k.tar() != null) {
      Path tar = inImage(image, k.tar(), k.where() + ".tar", "kernel tar");
      if (tar == null) throw new ConfigException(k.where() + ".image: did not find kernel tar \"" + k.tar() + "\" in kernel image " + k.image());
      // unpacked once per kernel image, with the same rules as any layer (no escaping the root)
      Path modules = image.rootfs().resolveSibling(image.digestHex() + ".tar-" + Integer.toHexString(k.tar().hashCode()));
      if (!Files.isDirectory(modules)) {
        try {
          new LayerUnpacker(UnpackOptions.defaults()).unpack(List.of(LayerUnpacker.Source.of(tar)), modules);
        } catch (FileAlreadyExistsException raced) {
          // unpacked by a concurrent build
        } catch (IOException e) {
          throw new OciException(k.where() + ".tar: " + k.tar() + " in " + k.image() + ": " + e.getMessage());
        }
      }
      tree.addDirectory(modules, "", owners, rel -> true);
    }
  }

  /** A regular file at {@code name} inside the image, not reached through a symlink, or null. */
  private static Path inImage(Resolved image, String name, String where, String what) throws ConfigException {
    Path p = image.rootfs();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) throw new ConfigException(where + ": " + what + " path \"" + name + "\" must not contain \"..\"");
      p = p.resolve(c);
      if (Files.isSymbolicLink(p)) return null;
    }
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
  }

  /** An image's files under {@code prefix} with LinuxKit's edits: see {@link #EXCLUDE}. */
  private void addImage(FsTree tree, Path rootfs, String prefix, boolean init) throws IOException {
    String pre = prefix.isEmpty() ? "" : prefix + "/";
    tree.addDirectory(rootfs, prefix, owners, rel -> {
      if (!EXCLUDE.contains(rel)) return true;
      return Files.isDirectory(rootfs.resolve(rel), LinkOption.NOFOLLOW_LINKS); // a name, not a tree, is dropped
    });
    for (String dir : List.of("dev", "dev/pts", "dev/shm", "etc", "proc", "sys")) {
      if (!(tree.get(pre + dir) instanceof FsTree.Dir)) tree.put(pre + dir, new FsTree.Dir(0755, 0, 0));
    }
    if (tree.get(pre + "etc/mtab") == null) tree.put(pre + "etc/mtab", new FsTree.Symlink("/proc/mounts", 0, 0));
    boolean hadResolv = Files.exists(rootfs.resolve("etc/resolv.conf"), LinkOption.NOFOLLOW_LINKS);
    boolean hadHosts = Files.exists(rootfs.resolve("etc/hosts"), LinkOption.NOFOLLOW_LINKS);
    tree.put(pre + "etc/hosts", new FsTree.File(0644, 0, 0, hadHosts ? Bytes.of(HOSTS) : new Bytes(new byte[0])));
    if (hadResolv && init) tree.put(pre + "etc/resolv.conf", new FsTree.Symlink(RESOLVCONF_LINK, 0, 0));
    else tree.put(pre + "etc/resolv.conf", new FsTree.File(0644, 0, 0, hadResolv ? Bytes.of(NO_RESOLV) : new Bytes(new byte[0])));
  }

  private void addBundle(FsTree tree, ImageEntry e, String dir, Resolved image, Map<String, Long> ids,
                         Map<String, String> firstCopy) throws IOException {
    log.accept("Add " + e.section() + " " + e.name() + " (" + e.image() + ")");
    OciConfig.Result oci = OciConfig.convert(e, image.image().config().config(), ids);
    String first = firstCopy.get(e.image());
    String root = dir + "/" + (oci.readonly() ? "rootfs" : "lower");
    if (first == null) {
      addImage(tree, image.rootfs(), root, false);
      firstCopy.put(e.image(), root);
    } else {
      tree.put(dir, new FsTree.Dir(0755, 0, 0)); // the same image again: mounted from its first copy
      root = first;
    }
    tree.put(dir + "/config.json", new FsTree.File(0644, 0, 0, new Bytes(GoJson.indent(oci.config()))));
    ObjectNode runtime = oci.runtime();
    ArrayNode mounts = runtime.arrayNode();
    if (!oci.readonly()) {
      tree.put(dir + "/tmp", new FsTree.Dir(0755, 0, 0));
      tree.put(dir + "/rootfs", new FsTree.Dir(0755, 0, 0));
      mounts.addObject().put("destination", "/" + dir + "/tmp").put("type", "tmpfs").put("source", "tmpfs");
      ObjectNode priv = mounts.addObject().put("destination", "/" + dir + "/tmp");
      priv.putArray("options").add("remount").add("private");
      ObjectNode overlay = mounts.addObject().put("destination", "/" + dir + "/rootfs").put("type", "overlay").put("source", "overlay");
      overlay.putArray("options").add("lowerdir=/" + root).add("upperdir=/" + dir + "/tmp/upper").add("workdir=/" + dir + "/tmp/work");
    } else {
      if (first != null) tree.put(dir + "/rootfs", new FsTree.Dir(0755, 0, 0));
      ObjectNode bind = mounts.addObject().put("destination", "/" + dir + "/rootfs").put("source", "/" + root);
      bind.putArray("options").add("bind");
    }
    runtime.withArray("mounts").forEach(mounts::add);
    ObjectNode ordered = runtime.objectNode();
    runtime.properties().forEach(p -> ordered.set(p.getKey(), p.getKey().equals("mounts") ? mounts : p.getValue()));
    tree.put(dir + "/runtime.json", new FsTree.File(0644, 0, 0, new Bytes(GoJson.indent(ordered))));
  }

  private void addFile(FsTree tree, FileEntry f, Map<String, Long> ids, Moby m, Set<String> addedDirs) throws IOException {
    String where = f.where();
    if (f.path() == null || f.path().isEmpty()) throw new ConfigException(where + ": did not specify path for file");
    String path = f.path().startsWith("/") ? f.path().substring(1) : f.path();
    if (List.of(path.split("/")).contains("..")) throw new ConfigException(where + ": path \"" + f.path() + "\" must not contain \"..\"");
    int mode = f.directory() ? 0700 : 0600;
    if (f.mode() != null && !f.mode().isEmpty()) {
      try {
        mode = Integer.parseInt(f.mode(), 8);
      } catch (NumberFormatException e) {
        throw new ConfigException(where + ".mode: cannot parse file mode as octal value: \"" + f.mode() + "\"");
      }
      if (mode < 0 || mode > 07777) throw new ConfigException(where + ".mode: file mode " + f.mode() + " out of range");
    }
    int dirMode = mode;
    if ((dirMode & 0700) != 0) dirMode |= 0100;
    if ((dirMode & 0070) != 0) dirMode |= 0010;
    if ((dirMode & 0007) != 0) dirMode |= 0001;
    long uid = fileId(f.uid(), ids, where + ".uid");
    long gid = fileId(f.gid(), ids, where + ".gid");
    byte[] contents = f.contents() == null ? null : f.contents().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (!f.directory() && f.symlink() == null && f.contents() == null) {
      if (f.source() == null && f.metadata() == null) throw new ConfigException(where + ": contents of file (" + f.path() + ") not specified");
      if (f.source() != null && f.metadata() != null) throw new ConfigException(where + ": specified source and metadata for file: " + f.path());
      if (f.source() != null) {
        String s = f.source().startsWith("~/") ? System.getProperty("user.home") + f.source().substring(1) : f.source();
        Path src = Path.of(s);
        if (!Files.isReadable(src)) {
          if (f.optional()) return;
          throw new ConfigException(where + ".source: cannot read " + src);
        }
        contents = Files.readAllBytes(src);
      } else {
        contents = Metadata.render(m, f.metadata(), where);
      }
    } else {
      if (f.metadata() != null) throw new ConfigException(where + ": specified contents and metadata for file: " + f.path());
      if (f.source() != null) throw new ConfigException(where + ": specified contents and source for file: " + f.path());
    }
    // LinuxKit writes every leading directory with the file's owner and a mode derived from its own
    String[] parts = path.split("/");
    StringBuilder dir = new StringBuilder();
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].isEmpty()) continue;
      if (!dir.isEmpty()) dir.append('/');
      dir.append(parts[i]);
      if (!addedDirs.contains(dir.toString())) {
        tree.put(dir.toString(), new FsTree.Dir(dirMode, uid, gid));
        addedDirs.add(dir.toString());
      }
    }
    addedDirs.add(path);
    if (f.directory()) {
      if (f.contents() != null) throw new ConfigException(where + ": directory with contents not allowed");
      tree.put(path, new FsTree.Dir(mode, uid, gid));
    } else if (f.symlink() != null) {
      tree.put(path, new FsTree.Symlink(f.symlink(), uid, gid));
    } else {
      tree.put(path, new FsTree.File(mode, uid, gid, new Bytes(contents)));
    }
  }

  private static long fileId(com.fasterxml.jackson.databind.JsonNode v, Map<String, Long> ids, String where) throws ConfigException {
    if (v == null || v.isNull()) return 0;
    if (v.isNumber()) return v.asLong();
    String name = v.asText();
    if (name.isEmpty() || name.equals("root")) return 0;
    Long id = ids.get(name);
    if (id == null) throw new ConfigException(where + ": cannot find id: " + name);
    return id;
  }
}
