package dockyard.runc.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dockyard.runc.RuntimeError;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The runtime's root directory ({@code --root}): one directory per container holding state.json
 * and, until start, exec.fifo. Creating the directory is what reserves an id, so two concurrent
 * creates of one id cannot both succeed.
 */
public final class StateStore {
  /** runc's rule for ids. */
  private static final Pattern ID = Pattern.compile("[\\w+\\-.]+");
  public static final String STATE_FILE = "state.json";
  public static final String EXEC_FIFO = "exec.fifo";

  /** Shared: a mapper's serializer caches are what make it fast, and it is thread-safe once built. */
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path root;
  private final ObjectMapper json = JSON;

  public StateStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public static void validateId(String id) {
    if (id == null || id.isEmpty()) throw new RuntimeError("container id cannot be empty");
    if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..") || id.length() > 1024) {
      throw new RuntimeError("invalid id format: " + id);
    }
  }

  public Path dir(String id) {
    validateId(id);
    return root.resolve(id);
  }

  /** Reserves the id; fails when a container with that id exists. */
  public Path reserve(String id) throws IOException {
    Path dir = dir(id);
    Files.createDirectories(root);
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      throw new RuntimeError("container with id exists: " + id);
    }
    return dir;
  }

  public void save(ContainerState state) throws IOException {
    Path dir = dir(state.id());
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    json.writeValue(tmp.toFile(), state);
    try {
      Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public ContainerState load(String id) throws IOException {
    Path file = dir(id).resolve(STATE_FILE);
    try {
      return json.readValue(file.toFile(), ContainerState.class);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new RuntimeError("container does not exist");
    } catch (IOException e) {
      if (!Files.exists(file)) throw new RuntimeError("container does not exist");
      throw new IOException("state of container " + id + " is unreadable (" + file + "): " + e.getMessage(), e);
    }
  }

  public boolean exists(String id) {
    return Files.exists(dir(id).resolve(STATE_FILE));
  }

  public List<String> ids() throws IOException {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(root)) return ids;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      for (Path p : ds) if (Files.exists(p.resolve(STATE_FILE))) ids.add(p.getFileName().toString());
    }
    ids.sort(null);
    return ids;
  }

  /** Removes the container's directory and everything in it. */
  public void remove(String id) throws IOException {
    Path dir = dir(id);
    if (!Files.exists(dir)) return;
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  public ObjectMapper json() {
    return json;
  }
}
