package dockyard.runc;

import dockyard.runc.plan.Plan;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * One run of the C helper: it gets the plan file as its only argument and reports on a unix
 * socket the runtime listens on (lines: pid, created, started, exit, error). Closing the session
 * closes the socket and removes it; the helper process itself is left to finish on its own.
 */
final class LocalHelper implements HelperSession {
  private static final String RESOURCE = "/dockyard/runc/native/dockyard-nsexec";
  private static final String HOOKEXEC_RESOURCE = "/dockyard/runc/native/dockyard-hookexec";
  private static final String TEMP_PREFIX = "dockyard-runc-sock";

  private final Process process;
  private final ServerSocketChannel server;
  private final Path socketPath;
  private SocketChannel channel;
  private BufferedReader reader;
  private OutputStream writer;

  private LocalHelper(Process process, ServerSocketChannel server, Path socketPath) {
    this.process = process;
    this.server = server;
    this.socketPath = socketPath;
  }

  /** A launcher running the helper binary found by {@link #binary} with the given stdio. */
  static HelperSession.Launcher launcher(Path cacheDir, Stdio io) {
    return (plan, workDir, sock) -> start(binary(cacheDir), plan, workDir, sock, io);
  }

  /** The helper binary: a -Ddockyard.nsexec override, the build output, or a copy extracted from the jar. */
  public static Path binary(Path cacheDir) throws IOException {
    String override = System.getProperty("dockyard.nsexec", System.getenv("DOCKYARD_NSEXEC"));
    if (override != null && !override.isEmpty()) return Path.of(override);
    return nativeBinary(RESOURCE, cacheDir);
  }

  /** The hooks' argv[0] trampoline (hookexec.c): the build output, or a copy extracted from the jar. */
  static Path hookExec(Path cacheDir) throws IOException {
    return nativeBinary(HOOKEXEC_RESOURCE, cacheDir);
  }

  private static Path nativeBinary(String resource, Path cacheDir) throws IOException {
    String name = resource.substring(resource.lastIndexOf('/') + 1);
    var url = LocalHelper.class.getResource(resource);
    if (url == null) throw new IOException("the " + name + " helper is missing from the class path (was the runc module built with gcc?)");
    if (url.getProtocol().equals("file")) {
      Path p = Path.of(java.net.URI.create(url.toString()));
      if (!Files.isExecutable(p)) p.toFile().setExecutable(true, true);
      return p;
    }
    byte[] bytes;
    try (InputStream in = url.openStream()) {
      bytes = in.readAllBytes();
    }
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String stem = "." + name.substring(name.indexOf('-') + 1);
    Path target = cacheDir.resolve(stem + "-" + hash);
    // The name says what the file should hold, not what it holds: a copy changed on disk (by
    // anything: the helper itself runs from a sealed memfd, see nsexec.c) is replaced, never run.
    if (!Files.isExecutable(target) || !java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempFile(cacheDir, stem, ".tmp");
      Files.write(tmp, bytes);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * Starts the helper on {@code plan}. The plan file and socket live in {@code workDir}; stdio
   * follows {@code io} (inherited by the CLI, so the container gets the caller's terminal).
   */
  static LocalHelper start(Path helper, Plan plan, Path workDir, Path sock, Stdio io) throws IOException {
    Path planFile = workDir.resolve("plan");
    Files.write(planFile, plan.encode());
    // For benchmarks and bug reports: keep a copy of every plan the helper was given.
    String keep = System.getenv("DOCKYARD_RUNC_KEEP_PLAN");
    if (keep != null && !keep.isEmpty()) Files.write(Path.of(keep), plan.encode());
    Files.deleteIfExists(sock);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    ProcessBuilder pb = new ProcessBuilder(helper.toString(), planFile.toString());
    io.apply(pb);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      server.close();
      Files.deleteIfExists(sock);
      throw e;
    }
    return new LocalHelper(p, server, sock);
  }

  /** The notify socket's path: in the work directory unless that is too long for sun_path. */
  static Path socketFor(Path workDir) throws IOException {
    Path sock = workDir.resolve("notify.sock");
    return sock.toString().length() <= 100 ? sock : Files.createTempDirectory(TEMP_PREFIX).resolve("notify.sock");
  }

  Path socketPath() {
    return socketPath;
  }

  /** The next line from the helper, or null when it closed the socket (or exited without connecting). */
  @Override
  public String next() throws IOException {
    if (reader == null && !accept()) return null;
    return reader.readLine();
  }

  @Override
  public void send(String line) throws IOException {
    writer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    writer.flush();
  }

  private boolean accept() throws IOException {
    server.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (true) {
        SocketChannel c = server.accept();
        if (c != null) {
          c.configureBlocking(true);
          channel = c;
          reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
          writer = Channels.newOutputStream(c);
          return true;
        }
        if (!process.isAlive()) return false;
        selector.select(20);
        selector.selectedKeys().clear();
      }
    }
  }

  Process process() {
    return process;
  }

  @Override
  public int waitFor() {
    while (true) {
      try {
        return process.waitFor();
      } catch (InterruptedException e) {
        // keep waiting: the helper's exit status is the container's
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (channel != null) channel.close();
    server.close();
    Files.deleteIfExists(socketPath);
    // a socket moved to a short temporary directory (see socketFor) takes that directory with it
    Path parent = socketPath.getParent();
    if (parent.getFileName().toString().startsWith(TEMP_PREFIX)) Files.deleteIfExists(parent);
  }
}
