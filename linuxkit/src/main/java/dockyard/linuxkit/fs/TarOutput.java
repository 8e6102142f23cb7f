package dockyard.linuxkit.fs;

import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.function.Predicate;

/** Writes an {@link FsTree} as a tar with every time at the epoch, in the tree's order. */
public final class TarOutput {
  private TarOutput() {}

  public static void write(FsTree tree, Predicate<String> include, OutputStream out) throws IOException {
    TarWriter tar = new TarWriter(out);
    for (var e : tree.entries().entrySet()) {
      String path = e.getKey();
      if (!include.test(path)) continue;
      FsTree.Node node = e.getValue();
      TarEntry t = switch (node) {
        case FsTree.Dir d -> TarEntry.directory(path + "/", d.mode());
        case FsTree.File f -> TarEntry.file(path, f.content().size(), f.mode());
        case FsTree.Symlink s -> TarEntry.symlink(path, s.target());
        case FsTree.Special sp -> sp.type() == 'p' ? TarEntry.fifo(path, sp.mode())
            : TarEntry.device(sp.type() == 'c' ? TarEntry.Type.CHAR_DEVICE : TarEntry.Type.BLOCK_DEVICE, path, sp.mode(), sp.major(), sp.minor());
      };
      t = t.withOwner(node.uid(), node.gid()).withModified(Instant.EPOCH);
      if (node instanceof FsTree.File f) {
        try (InputStream in = f.content().open()) {
          tar.add(t, in);
        }
      } else {
        tar.add(t);
      }
    }
    tar.finish();
  }
}
