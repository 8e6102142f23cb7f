package dockyard.runc;

import dockyard.linux.Libc;
import dockyard.linux.LinuxException;
import dockyard.linux.Signal;
import dockyard.runc.cgroup.CgroupManager;
import dockyard.runc.plan.Plan;
import dockyard.runc.plan.PlanCompiler;
import dockyard.runc.seccomp.SeccompCompiler;
import dockyard.runc.seccomp.SeccompProgram;
import dockyard.runc.spec.Spec;
import dockyard.runc.spec.SpecLoader;
import dockyard.runc.spec.SpecValidator;
import dockyard.runc.state.ContainerState;
import dockyard.runc.state.ProcStat;
import dockyard.runc.state.StateStore;
import dockyard.runc.state.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The OCI runtime operations (runc's verbs) over one state root. Each call is independent: all it
 * knows about a container comes from the state directory, the process table and the cgroup, so
 * the CLI can be a fresh process per verb, as runc's is.
 */
public final class OciRuntime {
  public static final String OCI_VERSION = "1.0.2";

  private final StateStore store;
  private final HelperSession.Launcher launcher;
  private final HookRunner hooks;
  private final Consumer<String> warn;
  private Consumer<String> debug = m -> { };

  /**
   * Options of create and run.
   *
   * @param keep run in the foreground leaves the stopped container (state, cgroup) for a later delete
   */
  public record CreateOptions(Path consoleSocket, Path pidFile, boolean detach, boolean keep, int preserveFds) {
    public CreateOptions(Path consoleSocket, Path pidFile, boolean detach, boolean keep) {
      this(consoleSocket, pidFile, detach, keep, 0);
    }

    public CreateOptions(Path consoleSocket, Path pidFile, boolean detach) {
      this(consoleSocket, pidFile, detach, false);
    }

    public static CreateOptions defaults() {
      return new CreateOptions(null, null, false, false);
    }
  }

  /**
   * Options of exec: the process to run (already merged with the container's defaults).
   *
   * @param ignorePaused exec into a paused container anyway (the process starts frozen)
   */
  public record ExecOptions(Spec.Process process, Path consoleSocket, Path pidFile, boolean detach, boolean ignorePaused,
                            List<String> cgroups, int preserveFds) {
    public ExecOptions(Spec.Process process, Path consoleSocket, Path pidFile, boolean detach, boolean ignorePaused) {
      this(process, consoleSocket, pidFile, detach, ignorePaused, List.of(), 0);
    }

    public ExecOptions(Spec.Process process, Path consoleSocket, Path pidFile, boolean detach) {
      this(process, consoleSocket, pidFile, detach, false);
    }
  }

  /** A runtime whose containers get {@code stdio}, with the helper run as a child process. */
  public OciRuntime(Path root, Stdio stdio, Consumer<String> warn) {
    this(root, warn, LocalHelper.launcher(root, stdio));
  }

  /** A runtime whose helper is started by {@code launcher} (the resident daemon hands plans to its clients). */
  public OciRuntime(Path root, Consumer<String> warn, HelperSession.Launcher launcher) {
    this.store = new StateStore(root);
    this.hooks = new HookRunner(root);
    this.warn = warn;
    this.launcher = launcher;
  }

  /** The C helper binary (extracted into {@code cacheDir} when it is inside a jar); also the daemon's client. */
  public static Path helperBinary(Path cacheDir) throws IOException {
    return LocalHelper.binary(cacheDir);
  }

  /**
   * Where runc's {@code --debug} lines go: one line per step of a container's setup (the helper
   * started, its process in the namespaces, setup complete), worded so runc's tests and log
   * readers find runc's phrases.
   */
  public OciRuntime debug(Consumer<String> sink) {
    this.debug = sink;
    return this;
  }

  public StateStore store() {
    return store;
  }

  /** runc create: sets the container up and leaves its process waiting for {@link #start}. */
  public void create(String id, Path bundle, CreateOptions o) throws IOException {
    launch(id, bundle, PlanCompiler.Mode.CREATE, o);
  }

  /** runc run: create and start; returns the exit code (0 at once when detached). */
  public int run(String id, Path bundle, CreateOptions o) throws IOException {
    return launch(id, bundle, PlanCompiler.Mode.RUN, o);
  }

  private int launch(String id, Path bundleArg, PlanCompiler.Mode mode, CreateOptions o) throws IOException {
    StateStore.validateId(id);
    Path bundle = bundleArg.toAbsolutePath().normalize();
    Trace trace = Trace.start();
    Spec spec = SpecLoader.load(bundle);
    Path rootfs = SpecValidator.validate(spec, bundle);
    trace.mark("config");
    boolean detached = mode == PlanCompiler.Mode.CREATE || o.detach();
    if (spec.process().isTerminal() && detached && o.consoleSocket() == null) {
      throw new RuntimeError("cannot allocate tty if runc will detach without setting console socket");
    }
    if (!spec.process().isTerminal() && o.consoleSocket() != null) {
      throw new RuntimeError("cannot use console socket if runc will not detach or allocate tty");
    }
    if (o.consoleSocket() != null && !Files.exists(o.consoleSocket())) {
      throw new RuntimeError("console socket " + o.consoleSocket() + " does not exist");
    }
    List<String> warnings = new ArrayList<>();
    SeccompProgram seccomp = seccomp(spec, warnings);
    String seccompHex = seccomp == null ? null : seccomp.toHex();
    if (store.exists(id) || Files.exists(store.root().resolve(id))) throw new RuntimeError("container with id exists: " + id);
    Path dir = store.reserve(id);
    CgroupManager cgroup = null;
    ContainerState state = null;
    boolean created = false;
    try {
      CgroupManager planned = CgroupManager.forHost(spec.linux().cgroupsPath(), id);
      // checked before it becomes ours to clean up: a refused, pre-existing cgroup is left alone
      try {
        planned.preflight(warnings);
      } catch (IOException e) {
        throw new RuntimeError(e.getMessage(), e);
      }
      cgroup = planned;
      try {
        cgroup.create(spec.linux().resources(), warnings);
      } catch (IOException | IllegalArgumentException e) {
        throw new RuntimeError(e.getMessage(), e);
      }
      trace.mark("cgroup");
      Path fifo = null;
      if (mode == PlanCompiler.Mode.CREATE) {
        fifo = dir.resolve(StateStore.EXEC_FIFO);
        Libc.mkfifo(fifo.toString(), 0622);
        // mkfifo honours the umask; the container's user (possibly an unmapped uid) must be able to open it for writing
        Files.setPosixFilePermissions(fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw--w--w-"));
      }
      Map<String, String> cgroupPaths = new TreeMap<>();
      cgroup.paths().forEach((k, v) -> cgroupPaths.put(k, v.toString()));
      state = new ContainerState(id, 0, 0, bundle.toString(), rootfs.toString(), Instant.now().toString(), "", cgroupPaths, spec);
      String[] template = stateTemplate(state, "created");
      Path sock = launcher.needsNotifySocket() ? LocalHelper.socketFor(dir) : null;
      Plan plan = new PlanCompiler(warnings).container(new PlanCompiler.ContainerRequest(
          spec, bundle, rootfs, mode, sock, fifo, cgroup.procsFiles(), cgroup.paths(), o.consoleSocket(),
          o.detach(), seccompHex, template[0], template[1]));
      plan = preserveFds(plan, o.preserveFds());
      plan = seccompListener(plan, seccomp, spec, state, "creating", 0);
      warnings.forEach(warn);
      boolean syncHooks = !plan.all("sync-hooks").isEmpty();
      trace.mark("plan");
      int exit = 0;
      debug.accept("nsexec container setup: starting dockyard-nsexec (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ") for " + id);
      try (HelperSession helper = launcher.launch(plan, dir, sock)) {
        events:
        while (true) {
          String line = helper.next();
          if (line == null) {
            int status = helper.waitFor();
            if (created && mode == PlanCompiler.Mode.CREATE && status == 0) break;
            throw new RuntimeError("dockyard-nsexec exited with status " + status + " before the container " + (created ? "finished" : "was created"));
          }
          HelperSession.Report report = HelperSession.Report.of(line);
          String word = report.word();
          String rest = report.rest();
          trace.mark("helper:" + word);
          switch (word) {
            case "pid" -> {
              int pid = Integer.parseInt(rest);
              debug.accept("child process in init(): container process " + pid + " is in its namespaces");
              ProcStat st = ProcStat.of(pid);
              state = withPid(state, pid, st == null ? 0 : st.startTime());
              store.save(state);
              trace.mark("state");
              // the plan says whether the helper waits for these hooks; asking it again here could disagree
              if (syncHooks) {
                try {
                  // runtime-tools checks for "created" here (runtime-spec 1.0's wording)
                  String json = stateJson(state, "created");
                  hooks.run(spec.hooks().prestart(), json);
                  hooks.run(spec.hooks().createRuntime(), json);
                  helper.send("go");
                } catch (RuntimeError e) {
                  // one protocol line: a hook's stderr in the message may span several
                  helper.send("abort " + e.getMessage().replace('\n', ' '));
                  throw e;
                }
              }
            }
            case "created" -> {
              created = true;
              debug.accept("init: closing the pipe to signal completion (container " + id + " set up)");
              if (o.pidFile() != null) writePidFile(o.pidFile(), state.pid());
              if (mode == PlanCompiler.Mode.CREATE) {
                int status = helper.waitFor();
                if (status != 0) throw new RuntimeError("dockyard-nsexec exited with status " + status + " after creating the container");
                break events;
              }
            }
            case "started" -> {
              if (spec.hooks() != null) runPoststart(spec, state);
              if (o.detach()) break events;
            }
            case "exit" -> {
              exit = Integer.parseInt(rest);
              break events;
            }
            case "error" -> throw new RuntimeError(rest);
            default -> throw new RuntimeError("dockyard-nsexec said something unexpected: " + line);
          }
        }
        if (mode == PlanCompiler.Mode.RUN && !o.detach()) helper.waitFor();
      }
      if (mode == PlanCompiler.Mode.RUN && !o.detach() && !o.keep()) {
        destroy(state, cgroup);
        trace.mark("destroy");
      }
      trace.report(warn);
      return exit;
    } catch (IOException | RuntimeException e) {
      // Whatever failed, the id is free again and nothing of the container is left.
      cleanupFailed(id, state, cgroup);
      throw e;
    }
  }

  /** runc --preserve-fds N: the caller's fds 3 .. 3+N-1 go to the process as they are. */
  private Plan preserveFds(Plan plan, int n) {
    if (n < 0) throw new RuntimeError("--preserve-fds must not be negative");
    if (n == 0) return plan;
    long from = launcher.callerFdsPid();
    return from == 0 ? plan.with("preserve-fds", n) : plan.with("preserve-fds", n, from);
  }

  /**
   * SCMP_ACT_NOTIFY: the agent's socket the helper hands the filter's listener to, and its message,
   * runtime-spec's container process state, around the two pids only the helper knows (the
   * process's, and the container's init: the same in run and create, given for exec).
   */
  private static Plan seccompListener(Plan plan, SeccompProgram program, Spec spec, ContainerState st, String status, int initPid) {
    if (program == null || !program.notifies()) return plan;
    Spec.Seccomp sc = spec.linux().seccomp();
    if (sc.listenerPath() == null || sc.listenerPath().isEmpty()) {
      throw new RuntimeError("seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath (the seccomp agent's socket)");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ociVersion", OCI_VERSION);
    m.put("fds", List.of("seccompFd"));
    m.put("pid", 987654321);
    if (sc.listenerMetadata() != null && !sc.listenerMetadata().isEmpty()) m.put("metadata", sc.listenerMetadata());
    String head = SpecLoader.toCompactJson(m);
    String json = head.substring(0, head.length() - 1) + ",\"state\":" + stateJson(withPid(st, 987654322, 0), status) + "}";
    int a = json.indexOf("987654321");
    int b = json.indexOf("987654322");
    List<Object> args = new ArrayList<>(List.of(sc.listenerPath(), json.substring(0, a), json.substring(a + 9, b), json.substring(b + 9)));
    if (initPid > 0) args.add(initPid);
    return plan.with("seccomp-listener", args.toArray());
  }

  private SeccompProgram seccomp(Spec spec, List<String> warnings) {
    Spec.Seccomp sc = spec.linux().seccomp();
    if (sc == null) return null;
    try {
      var program = SeccompCompiler.compile(sc);
      warnings.addAll(program.warnings());
      return program;
    } catch (IllegalArgumentException e) {
      throw new RuntimeError("invalid seccomp profile: " + e.getMessage());
    }
  }

  /** Undoes a create that failed part-way: no process, cgroup or state directory is left behind. */
  private void cleanupFailed(String id, ContainerState state, CgroupManager cgroup) {
    try {
      if (state != null && state.pid() > 0 && ProcStat.alive(state.pid(), state.pidStartTime())) {
        try {
          Libc.kill(state.pid(), Signal.SIGKILL.number());
        } catch (LinuxException e) {
          // gone between the check and the kill (the helper kills it on abort): the cgroup must still go
        }
        waitGone(state.pid(), state.pidStartTime(), 5000);
      }
      if (cgroup != null) {
        killAllAndWait(cgroup);
        cgroup.destroy();
      }
    } catch (IOException | RuntimeException e) {
      warn.accept("cleanup of " + id + ": " + e.getMessage());
    }
    try {
      store.remove(id);
    } catch (IOException e) {
      warn.accept("cleanup of " + id + ": " + e.getMessage());
    }
  }

  /** runc start: lets a created container's process exec the user's program. */
  public void start(String id) throws IOException {
    ContainerState st = store.load(id);
    Status status = status(st);
    switch (status) {
      case STOPPED -> throw new RuntimeError("cannot start a container that has stopped");
      case RUNNING, PAUSED -> throw new RuntimeError("cannot start an already running container");
      default -> { }
    }
    Path fifo = store.dir(id).resolve(StateStore.EXEC_FIFO);
    openFifo(fifo, st);
    Files.deleteIfExists(fifo);
    if (st.config().hooks() != null) runPoststart(st.config(), st);
  }

  /**
   * Opening the fifo for reading releases the container's process, which is blocked opening it for
   * writing. If that process died meanwhile, nobody would ever open the write side, so the wait
   * checks on it and, giving up, opens the write side itself to free the blocked reader.
   */
  private void openFifo(Path fifo, ContainerState st) throws IOException {
    var result = new java.util.concurrent.CompletableFuture<byte[]>();
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        result.complete(in.readAllBytes());
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    });
    while (true) {
      try {
        byte[] got = result.get(20, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (got.length == 0) throw new RuntimeError("cannot start container " + st.id() + ": its process exited before start");
        return;
      } catch (java.util.concurrent.TimeoutException e) {
        if (!ProcStat.alive(st.pid(), st.pidStartTime())) {
          // read-write: a fifo opened so never blocks (a write-only open would wait forever when
          // the reader has just given up on its own), and it still frees a reader blocked in open
          try (var release = Files.newByteChannel(fifo, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            release.isOpen();
          }
          throw new RuntimeError("cannot start a container that has stopped");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reader.interrupt();
        throw new RuntimeError("interrupted while starting " + st.id());
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("open " + fifo + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
  }

  private void runPoststart(Spec spec, ContainerState st) {
    try {
      hooks.run(spec.hooks().poststart(), stateJson(st, "running"));
    } catch (IOException | RuntimeError e) {
      warn.accept("error running poststart hook: " + e.getMessage());
    }
  }

  /** runc state. */
  public OciState state(String id) throws IOException {
    ContainerState st = store.load(id);
    return ociState(st, status(st));
  }

  /** runc list: every container under the root. */
  public List<OciState> list() throws IOException {
    List<OciState> out = new ArrayList<>();
    for (String id : store.ids()) {
      try {
        out.add(state(id));
      } catch (RuntimeError e) {
        // removed while listing
      }
    }
    return out;
  }

  /** runc kill [--all]. */
  public void kill(String id, int signal, boolean all) throws IOException {
    ContainerState st = store.load(id);
    Status status = status(st);
    if (status == Status.STOPPED && !all) throw new RuntimeError("container not running");
    if (all) {
      CgroupManager cg = cgroupOf(st);
      for (int pid : cg.pids()) {
        try {
          Libc.kill(pid, signal);
        } catch (LinuxException e) {
          // raced with its exit
        }
      }
      if (status == Status.PAUSED && signal == Signal.SIGKILL.number()) cg.thaw();
    } else {
      Libc.kill(st.pid(), signal);
    }
  }

  /** runc delete [--force]. */
  public void delete(String id, boolean force) throws IOException {
    ContainerState st;
    try {
      st = store.load(id);
    } catch (RuntimeError e) {
      if (force && !store.exists(id)) {
        store.remove(id);
        return;
      }
      throw e;
    }
    Status status = status(st);
    switch (status) {
      case STOPPED -> { }
      case CREATED, RUNNING, PAUSED -> {
        if (!force) throw new RuntimeError("cannot delete container " + id + " that is not stopped: " + status);
        kill(st, cgroupOf(st));
      }
      case CREATING -> throw new RuntimeError("container " + id + " is being created");
    }
    destroy(st, cgroupOf(st));
  }

  private void kill(ContainerState st, CgroupManager cg) throws IOException {
    killAll(cg);
    try {
      Libc.kill(st.pid(), Signal.SIGKILL.number());
    } catch (LinuxException e) {
      // already gone
    }
    if (cg.frozen()) cg.thaw();
    waitGone(st.pid(), st.pidStartTime(), 10_000);
  }

  private static void killAll(CgroupManager cg) throws IOException {
    for (int pid : cg.pids()) {
      try {
        Libc.kill(pid, Signal.SIGKILL.number());
      } catch (LinuxException e) {
        // raced with its exit
      }
    }
  }

  /**
   * SIGKILL to everything in the cgroup, then up to 5 s for it to be gone: a cgroup directory
   * cannot be removed while a task is still in it, and on a loaded machine a killed helper takes
   * a while to exit.
   */
  private static void killAllAndWait(CgroupManager cg) throws IOException {
    killAll(cg);
    for (int i = 0; i < 2500 && !cg.pids().isEmpty(); i++) sleep(2);
  }

  /** Removes what a stopped container still holds, then runs poststop hooks (failures only warn, as in runc). */
  private void destroy(ContainerState st, CgroupManager cg) throws IOException {
    killAllAndWait(cg);
    cg.destroy();
    store.remove(st.id());
    if (st.config().hooks() != null && st.config().hooks().poststop() != null) {
      try {
        hooks.run(st.config().hooks().poststop(), stateJson(st, "stopped"));
      } catch (IOException | RuntimeError e) {
        warn.accept("error running poststop hook: " + e.getMessage());
      }
    }
  }

  /** runc exec: runs another process in the container; returns its exit code (0 when detached). */
  public int exec(String id, ExecOptions o) throws IOException {
    ContainerState st = store.load(id);
    Status status = status(st);
    if (status == Status.STOPPED) throw new RuntimeError("cannot exec in a stopped container");
    if (status == Status.PAUSED && !o.ignorePaused()) throw new RuntimeError("cannot exec in a paused container (use --ignore-paused to override)");
    List<String> problems = new ArrayList<>();
    SpecValidator.process(o.process(), problems);
    if (!problems.isEmpty()) throw new RuntimeError("invalid process: " + String.join("; ", problems));
    if (o.process().isTerminal() && o.detach() && o.consoleSocket() == null) {
      throw new RuntimeError("cannot allocate tty if runc will detach without setting console socket");
    }
    List<String> warnings = new ArrayList<>();
    SeccompProgram seccomp = seccomp(st.config(), warnings);
    String seccompHex = seccomp == null ? null : seccomp.toHex();
    List<Path> procs = execCgroups(st, o.cgroups());
    Path work = Files.createTempDirectory(store.dir(id), "exec-");
    try {
      Path sock = launcher.needsNotifySocket() ? LocalHelper.socketFor(work) : null;
      Plan plan = new PlanCompiler(warnings).exec(new PlanCompiler.ExecRequest(
          st.config(), o.process(), st.pid(), sock, procs, o.consoleSocket(), o.detach(), seccompHex));
      plan = preserveFds(plan, o.preserveFds());
      plan = seccompListener(plan, seccomp, st.config(), st, "running", st.pid());
      warnings.forEach(warn);
      debug.accept("nsexec container setup: starting dockyard-nsexec (exec) in " + id);
      try (HelperSession helper = launcher.launch(plan, work, sock)) {
        while (true) {
          String line = helper.next();
          if (line == null) throw new RuntimeError("dockyard-nsexec exited with status " + helper.waitFor() + " during exec");
          HelperSession.Report report = HelperSession.Report.of(line);
          String word = report.word();
          String rest = report.rest();
          switch (word) {
            case "pid" -> {
              debug.accept("child process in init(): exec process " + rest + " is in the container's namespaces");
              if (o.pidFile() != null) writePidFile(o.pidFile(), Integer.parseInt(rest));
            }
            case "created" -> debug.accept("setns_init: about to exec the process in " + id);
            case "started" -> {
              if (o.detach()) return 0;
            }
            case "exit" -> {
              helper.waitFor();
              return Integer.parseInt(rest);
            }
            case "error" -> throw new RuntimeError(rest);
            default -> throw new RuntimeError("dockyard-nsexec said something unexpected: " + line);
          }
        }
      }
    } finally {
      try (var walk = Files.walk(work)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  /**
   * runc update: writes new resource limits into a running (or paused, or created) container's
   * cgroup and remembers them in its state. Only the values present in {@code request} change,
   * and, as in runc, a zero or empty value is not present (see {@link ResourcesMerge#forUpdate}).
   */
  public void update(String id, Spec.Resources request) throws IOException {
    ContainerState st = store.load(id);
    if (status(st) == Status.STOPPED) throw new RuntimeError("container not running");
    Spec.Resources delta = ResourcesMerge.forUpdate(request);
    if (delta == null) return;
    List<String> warnings = new ArrayList<>();
    cgroupOf(st).update(delta, warnings);
    warnings.forEach(warn);
    Spec c = st.config();
    Spec.Linux l = c.linux();
    Spec.Resources merged = ResourcesMerge.merge(l.resources(), delta);
    Spec.Linux nl = new Spec.Linux(l.uidMappings(), l.gidMappings(), l.sysctl(), merged, l.cgroupsPath(), l.namespaces(), l.devices(),
        l.seccomp(), l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel());
    Spec nc = new Spec(c.ociVersion(), c.process(), c.root(), c.hostname(), c.domainname(), c.mounts(), c.hooks(), c.annotations(), nl);
    store.save(new ContainerState(st.id(), st.pid(), st.pidStartTime(), st.bundle(), st.rootfs(), st.created(), st.owner(), st.cgroupPaths(), nc));
  }

  /** runc ps: the pids in the container's cgroup. */
  public List<Integer> ps(String id) throws IOException {
    ContainerState st = store.load(id);
    return cgroupOf(st).pids();
  }

  public void pause(String id) throws IOException {
    ContainerState st = store.load(id);
    Status s = status(st);
    if (s != Status.RUNNING && s != Status.CREATED) throw new RuntimeError("container not running");
    cgroupOf(st).freeze();
  }

  public void resume(String id) throws IOException {
    ContainerState st = store.load(id);
    if (status(st) != Status.PAUSED) throw new RuntimeError("container not paused");
    cgroupOf(st).thaw();
  }

  /** runc events --stats: one snapshot of the container's cgroup counters. */
  public Map<String, Object> stats(String id) throws IOException {
    ContainerState st = store.load(id);
    if (status(st) == Status.STOPPED) throw new RuntimeError("container not running");
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("type", "stats");
    ev.put("id", id);
    ev.put("data", cgroupOf(st).stats());
    return ev;
  }

  /** OOM kills so far in the container's cgroup (runc's `events` reports each as an "oom" event). */
  public long oomKills(String id) throws IOException {
    return cgroupOf(store.load(id)).oomKills();
  }

  public Status status(ContainerState st) {
    if (st.pid() <= 0 || !ProcStat.alive(st.pid(), st.pidStartTime())) return Status.STOPPED;
    if (Files.exists(store.dir(st.id()).resolve(StateStore.EXEC_FIFO))) return Status.CREATED;
    if (cgroupOf(st).frozen()) return Status.PAUSED;
    return Status.RUNNING;
  }

  /**
   * runc exec --cgroup: the cgroup.procs files an exec'd process joins. Each entry is
   * {@code [CONTROLLER[,CONTROLLER…]:]PATH}, PATH relative to the container's cgroup ("/" is the
   * container's own) and never above it; without a controller it applies to every hierarchy.
   * Controllers not named stay in the container's cgroup, as in runc.
   */
  static List<Path> execCgroups(ContainerState st, List<String> requests) {
    Map<String, Path> dirs = new LinkedHashMap<>();
    st.cgroupPaths().forEach((k, v) -> dirs.put(k, Path.of(v)));
    if (requests == null || requests.isEmpty()) return cgroupOf(st).procsFiles();
    boolean unified = dirs.size() == 1 && dirs.containsKey("unified");
    Map<String, Path> chosen = new LinkedHashMap<>(dirs);
    for (String r : requests) {
      int colon = r.indexOf(':');
      String ctrls = colon < 0 ? "" : r.substring(0, colon);
      String sub = colon < 0 ? r : r.substring(colon + 1);
      Path rel = Path.of("/").resolve(sub).normalize();
      // normalize keeps a leading ".." of a relative path; resolved against "/" it would vanish, so check the raw one
      if (Path.of(sub.startsWith("/") ? sub.substring(1) : sub).normalize().startsWith("..")) {
        throw new RuntimeError("exec: invalid --cgroup " + r + ": " + sub + " is not a sub cgroup path");
      }
      String relative = rel.toString().substring(1);
      List<String> names = ctrls.isEmpty() ? List.copyOf(dirs.keySet()) : List.of(ctrls.split(","));
      if (unified && !ctrls.isEmpty()) throw new RuntimeError("exec: invalid --cgroup " + r + ": controllers are not allowed on cgroup v2");
      for (String n : names) {
        if (!dirs.containsKey(n)) throw new RuntimeError("exec: invalid --cgroup " + r + ": unknown controller " + n);
        chosen.put(n, relative.isEmpty() ? dirs.get(n) : dirs.get(n).resolve(relative));
      }
    }
    List<Path> procs = new ArrayList<>();
    for (Path d : new java.util.LinkedHashSet<>(chosen.values())) {
      Path f = d.resolve("cgroup.procs");
      // checked here so the error names the file, in the words runc uses
      if (!Files.exists(f)) throw new RuntimeError("exec: error adding pid of the new process to cgroups: open " + f + ": no such file or directory");
      procs.add(f);
    }
    return procs;
  }

  private static CgroupManager cgroupOf(ContainerState st) {
    Map<String, Path> paths = new LinkedHashMap<>();
    st.cgroupPaths().forEach((k, v) -> paths.put(k, Path.of(v)));
    return CgroupManager.fromPaths(paths);
  }

  private static OciState ociState(ContainerState st, Status status) {
    Map<String, String> ann = st.config().annotations() == null ? Map.of() : st.config().annotations();
    // The pid stays in a stopped container's state, as runc shows it, so hooks' and state's agree.
    return new OciState(OCI_VERSION, st.id(), st.pid(), status.toString(), st.bundle(), st.rootfs(), st.created(), st.owner(), ann);
  }

  private static String stateJson(ContainerState st, String status) {
    Map<String, String> ann = st.config().annotations() == null ? Map.of() : st.config().annotations();
    return SpecLoader.toCompactJson(new OciState(OCI_VERSION, st.id(), st.pid(), status, st.bundle(), null, null, null, ann));
  }

  /** The hook state JSON around the pid, which only the helper knows when container hooks run. */
  private static String[] stateTemplate(ContainerState st, String status) {
    String json = stateJson(withPid(st, 987654321, 0), status);
    int at = json.indexOf("987654321");
    return new String[] {json.substring(0, at), json.substring(at + 9)};
  }

  private static ContainerState withPid(ContainerState s, int pid, long start) {
    return new ContainerState(s.id(), pid, start, s.bundle(), s.rootfs(), s.created(), s.owner(), s.cgroupPaths(), s.config());
  }

  private static void writePidFile(Path file, int pid) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, Integer.toString(pid));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new RuntimeError("cannot write pid file " + file + ": " + file.getParent() + " does not exist");
    } catch (IOException e) {
      throw new RuntimeError("cannot write pid file " + file + ": " + e.getMessage());
    }
  }

  private static void waitGone(int pid, long start, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (ProcStat.alive(pid, start) && System.nanoTime() < deadline) sleep(1);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
