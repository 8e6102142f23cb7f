package dockyard.oci.layer;

import dockyard.oci.tar.TarEntry;
import dockyard.oci.tar.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds test layers (benign and malicious) with our own tar writer. */
final class Layers {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final TarWriter tar = new TarWriter(out);

  static Layers tar() {
    return new Layers();
  }

  Layers dir(String name) throws IOException {
    tar.add(TarEntry.directory(name, 0755));
    return this;
  }

  Layers file(String name, String content) throws IOException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    tar.add(TarEntry.file(name, b.length, 0644), b);
    return this;
  }

  Layers symlink(String name, String target) throws IOException {
    tar.add(TarEntry.symlink(name, target));
    return this;
  }

  Layers hardlink(String name, String target) throws IOException {
    tar.add(TarEntry.hardlink(name, target));
    return this;
  }

  Layers entry(TarEntry e, byte[] data) throws IOException {
    tar.add(e, data);
    return this;
  }

  Layers entry(TarEntry e) throws IOException {
    tar.add(e);
    return this;
  }

  byte[] bytes() throws IOException {
    tar.finish();
    return out.toByteArray();
  }

  byte[] gzip() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(bytes());
    }
    return gz.toByteArray();
  }

  static LayerUnpacker.Source source(String name, byte[] bytes) {
    return new LayerUnpacker.Source() {
      @Override public String name() { return name; }
      @Override public InputStream open() { return new java.io.ByteArrayInputStream(bytes); }
    };
  }

  static String read(Path p) throws IOException {
    return Files.readString(p);
  }
}
