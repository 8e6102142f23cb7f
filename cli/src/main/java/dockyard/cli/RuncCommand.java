package dockyard.cli;

import dockyard.linux.Signal;
import dockyard.runc.OciRuntime;
import dockyard.runc.OciState;
import dockyard.runc.RuntimeError;
import dockyard.runc.Stdio;
import dockyard.runc.spec.DefaultSpec;
import dockyard.runc.spec.Spec;
import dockyard.runc.spec.SpecLoader;
import dockyard.runc.state.ContainerState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dockyard runc VERB}: runc's command line (verbs, flags, exit codes, state JSON) over
 * {@link OciRuntime}, so tools that drive runc can drive this one (see bin/dockyard-runc).
 */
@Command(name = "runc", description = "An OCI runtime: run containers from OCI bundles, with runc's verbs and flags.",
        versionProvider = RuncCommand.Version.class,
        subcommands = {RuncCommand.SpecCmd.class, RuncCommand.Create.class, RuncCommand.Start.class, RuncCommand.Run.class,
                RuncCommand.State.class, RuncCommand.Kill.class, RuncCommand.Delete.class, RuncCommand.Exec.class,
                RuncCommand.ListCmd.class, RuncCommand.Ps.class, RuncCommand.Pause.class, RuncCommand.Resume.class,
                RuncCommand.Events.class, RuncCommand.Update.class, RuncCommand.Checkpoint.class, RuncCommand.Restore.class,
                RuncDaemon.class, RuncCommand.AotTraining.class})
final class RuncCommand implements Runnable {
    static final String DEFAULT_ROOT = "/run/dockyard-runc";

    @Option(names = "--root", description = "Root directory for container state. Default: " + DEFAULT_ROOT)
    Path root = Path.of(DEFAULT_ROOT);

    @Option(names = "--log", description = "Also write errors and warnings to this file.")
    Path log;

    @Option(names = "--log-format", description = "Log format: text or json. Default: text")
    String logFormat = "text";

    @Option(names = "--debug", description = "Log warnings to stderr too.")
    boolean debug;

    @Option(names = "--systemd-cgroup", description = "Not supported: cgroups are managed through cgroupfs.")
    boolean systemdCgroup;

    @Option(names = "--rootless", description = "Accepted for compatibility (auto, true or false); rootless mode is not supported.")
    String rootless;

    @Option(names = "--criu", hidden = true)
    String criu;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "Print the version.")
    boolean version;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(out());
        out().flush();
    }

    /**
     * runc's `-v` lines (tools such as dockerd read the version and "commit:" lines); ours are
     * dockyard's version, the build it came from and the Java that runs it.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = java.util.Objects.requireNonNullElse(RuncCommand.class.getPackage().getImplementationVersion(), "0.1.0");
            return new String[] {"dockyard-runc version " + v, "commit: dockyard " + v, "spec: " + OciRuntime.OCI_VERSION,
                    "java: " + Runtime.version()};
        }
    }

    /** runc's first help lines: NAME, then "runc VERB - what it does" (scripts read line 2). */
    private static final String NAME_SECTION = "runcName";

    private static void runcHelpLayout(CommandLine cl, String qualifiedName, String summary) {
        cl.getHelpSectionMap().put(NAME_SECTION, help -> "NAME:%n   ".formatted() + qualifiedName + " - " + summary + "%n%n".formatted());
        List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
        keys.addFirst(NAME_SECTION);
        cl.setHelpSectionKeys(keys);
        cl.getCommandSpec().usageMessage().synopsisHeading("USAGE:%n   ").descriptionHeading("%nDESCRIPTION:%n").optionListHeading("%nOPTIONS:%n");
    }

    /**
     * runc's flag parsing: flags come before the first positional argument, and everything from
     * there on is positional (`exec ID sh -c CMD` must not read `-c` as --cap).
     */
    static void configure(CommandLine runc) {
        runc.setStopAtPositional(true);
        // update has no command after the id, and runc takes its flags on either side of it
        runc.getSubcommands().get("update").setStopAtPositional(false);
        // every verb answers -h/--help, as runc's do
        for (var e : runc.getSubcommands().entrySet()) {
            CommandLine verb = e.getValue();
            if (verb.getCommandSpec().findOption("--help") == null) {
                verb.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help.").build());
            }
            String[] d = verb.getCommandSpec().usageMessage().description();
            runcHelpLayout(verb, "runc " + e.getKey(), d.length == 0 ? e.getKey() : d[0]);
        }
        runcHelpLayout(runc, "runc", "Open Container Initiative runtime (dockyard's, in Java)");
        runc.setParameterExceptionHandler(unknownVerb(runc, runc.getParameterExceptionHandler()));
    }

    /**
     * runc answers an unknown verb (`runc foo -h` too) with urfave/cli's wording and status 3. Set on
     * the CommandLine that executes (picocli asks that one), which may be a parent of {@code runc}.
     */
    static CommandLine.IParameterExceptionHandler unknownVerb(CommandLine runc, CommandLine.IParameterExceptionHandler parse) {
        return (ex, args) -> {
            CommandLine cl = ex.getCommandLine();
            if (cl.getCommandSpec() == runc.getCommandSpec() && ex instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
                cl.getErr().println("No help topic for '" + u.getUnmatched().getFirst() + "'");
                cl.getErr().flush();
                return 3;
            }
            return parse.handleParseException(ex, args);
        };
    }

    /** Set by the resident daemon: helpers run in the client's process instead of as children of this JVM. */
    final java.util.function.Function<Path, dockyard.runc.HelperSession.Launcher> launchers;

    RuncCommand() {
        this(null);
    }

    RuncCommand(java.util.function.Function<Path, dockyard.runc.HelperSession.Launcher> launchers) {
        this.launchers = launchers;
    }

    java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }

    OciRuntime runtime() {
        if (systemdCgroup) throw new RuntimeError("--systemd-cgroup is not supported; use cgroupfs paths");
        if (!"text".equals(logFormat) && !"json".equals(logFormat)) throw new RuntimeError("invalid log format \"" + logFormat + "\" (text or json)");
        Path r = abs(root);
        if (log != null) {
            try {
                Path l = abs(log);
                if (!Files.exists(l)) Files.createFile(l);
            } catch (IOException e) {
                throw new RuntimeError("cannot open log file " + log + ": " + e.getMessage());
            }
        }
        OciRuntime rt = launchers == null ? new OciRuntime(r, Stdio.inherit(), this::warn) : new OciRuntime(r, this::warn, launchers.apply(r));
        return debug ? rt.debug(this::debugLine) : rt;
    }

    /** A --debug line: into --log when there is one, else on stderr, in logrus's text form as runc writes it. */
    void debugLine(String message) {
        if (log != null) {
            writeLog("debug", message);
            return;
        }
        err().println(textLine("debug", message));
        err().flush();
    }

    static String textLine(String level, String message) {
        return "time=\"" + Instant.now() + "\" level=" + level + " msg=\"" + message.replace("\"", "\\\"") + "\"";
    }

    void warn(String message) {
        // seccomp notes (other architectures' syscall names and the like) are debug-level in runc
        boolean quiet = message.startsWith("seccomp");
        if (debug || (log == null && !quiet)) {
            err().println("dockyard runc: warning: " + message);
            err().flush();
        }
        writeLog("warning", message);
    }

    /** runc's --log: one line per message, JSON when --log-format json (what containerd reads back). */
    void writeLog(String level, String message) {
        if (log == null) return;
        String line;
        if ("json".equals(logFormat)) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("level", level);
            m.put("msg", message);
            m.put("time", Instant.now().toString());
            line = SpecLoader.toCompactJson(m);
        } else {
            line = textLine(level, message);
        }
        try {
            Files.writeString(abs(log), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            err().println("dockyard runc: cannot write log " + log + ": " + e.getMessage());
        }
    }

    /** Runs a verb; a RuntimeError becomes runc's one-line message and exit status 1. */
    int guard(Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (RuntimeError | IOException e) {
            writeLog("error", e.getMessage());
            throw e;
        }
    }

    /** The caller's working directory: this process's, or the daemon client's. */
    Path cwd = Path.of("").toAbsolutePath();

    /** The daemon client's pid, or 0 when this process is the caller. */
    long clientPid;

    /**
     * Paths on the command line are the caller's: relative ones are resolved against its cwd, and
     * its /dev/fd/N, /dev/std{in,out,err} and /proc/self are reached through /proc/PID.
     */
    Path abs(Path p) {
        if (p == null) return null;
        String s = p.toString();
        if (clientPid > 0) {
            String proc = "/proc/" + clientPid;
            if (s.startsWith("/dev/fd/")) return Path.of(proc + "/fd/" + s.substring(8));
            if (s.equals("/dev/stdin")) return Path.of(proc + "/fd/0");
            if (s.equals("/dev/stdout")) return Path.of(proc + "/fd/1");
            if (s.equals("/dev/stderr")) return Path.of(proc + "/fd/2");
            if (s.startsWith("/proc/self/")) return Path.of(proc + s.substring(10));
        }
        return cwd.resolve(p).normalize();
    }

    Path bundleOrCwd(Path bundle) {
        return bundle == null ? cwd : abs(bundle);
    }

    @Command(name = "spec", description = "Write a new config.json (a shell in ./rootfs) into the bundle directory.")
    static final class SpecCmd implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-b", "--bundle"}, description = "Bundle directory. Default: the current directory.") Path bundle;
        @Option(names = "--rootless", description = "Not supported.") boolean rootless;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                if (rootless) throw new RuntimeError("rootless specs are not supported");
                Path file = parent.bundleOrCwd(bundle).resolve(SpecLoader.CONFIG);
                if (Files.exists(file)) throw new RuntimeError("File " + SpecLoader.CONFIG + " exists. Remove it first.");
                Files.writeString(file, SpecLoader.toJson(DefaultSpec.create()) + "\n");
                return 0;
            });
        }
    }

    abstract static class CreateLike implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-b", "--bundle"}, description = "Bundle directory. Default: the current directory.") Path bundle;
        @Option(names = "--console-socket", description = "Unix socket that receives the pty master (SCM_RIGHTS) when process.terminal is true.") Path consoleSocket;
        @Option(names = "--pid-file", description = "Write the container process's pid here.") Path pidFile;
        @Option(names = "--no-pivot", description = "Accepted; pivot_root is always used.") boolean noPivot;
        @Option(names = "--no-new-keyring", description = "Accepted; no session keyring is created.") boolean noNewKeyring;
        @Option(names = "--preserve-fds", description = "Pass this many more fds (3, 4, …) to the process, besides stdio.") int preserveFds;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        OciRuntime.CreateOptions options(boolean detach, boolean keep) {
            if (keep && detach) throw new RuntimeError("--detach and --keep are incompatible");
            return new OciRuntime.CreateOptions(parent.abs(consoleSocket), parent.abs(pidFile), detach, keep, preserveFds);
        }
    }

    @Command(name = "create", description = "Create a container; its process waits until `start`.")
    static final class Create extends CreateLike {
        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                parent.runtime().create(id, parent.bundleOrCwd(bundle), options(false, false));
                return 0;
            });
        }
    }

    @Command(name = "run", description = "Create and start a container; waits for it and returns its exit code unless --detach.")
    static final class Run extends CreateLike {
        @Option(names = {"-d", "--detach"}, description = "Return once the process has started.") boolean detach;
        @Option(names = "--keep", description = "Keep the stopped container (state and cgroup) after it exits, for a later delete.") boolean keep;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> parent.runtime().run(id, parent.bundleOrCwd(bundle), options(detach, keep)));
        }
    }

    /** A verb that takes one container id and prints nothing. */
    abstract static class IdVerb implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        abstract void apply(OciRuntime rt, String id) throws IOException;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                apply(parent.runtime(), id);
                return 0;
            });
        }
    }

    @Command(name = "start", description = "Start a created container.")
    static final class Start extends IdVerb {
        @Override void apply(OciRuntime rt, String id) throws IOException { rt.start(id); }
    }

    @Command(name = "state", description = "Print the container's state as OCI state JSON.")
    static final class State implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                parent.out().println(SpecLoader.toJson(parent.runtime().state(id)));
                return 0;
            });
        }
    }

    @Command(name = "kill", description = "Send a signal (default SIGTERM) to the container's init process.")
    static final class Kill implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-a", "--all"}, description = "Signal every process in the container.") boolean all;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;
        @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL") String signal = "SIGTERM";

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                int sig;
                try {
                    sig = Signal.parse(signal);
                } catch (IllegalArgumentException e) {
                    throw new RuntimeError(e.getMessage());
                }
                parent.runtime().kill(id, sig, all);
                return 0;
            });
        }
    }

    @Command(name = "delete", description = "Delete a stopped (or, with --force, any) container and what it holds.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-f", "--force"}, description = "Kill the container first if it is running.") boolean force;
        @Parameters(arity = "1..*", paramLabel = "CONTAINER_ID") List<String> ids;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                OciRuntime rt = parent.runtime();
                for (String id : ids) rt.delete(id, force);
                return 0;
            });
        }
    }

    @Command(name = "exec", description = "Run another process in a running container.")
    static final class Exec implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-p", "--process"}, description = "A process.json with the process to run.") Path process;
        @Option(names = {"-t", "--tty"}, description = "Allocate a pty.") boolean tty;
        @Option(names = {"-d", "--detach"}, description = "Do not wait for the process.") boolean detach;
        @Option(names = "--console-socket", description = "Unix socket that receives the pty master.") Path consoleSocket;
        @Option(names = "--pid-file", description = "Write the process's pid here.") Path pidFile;
        @Option(names = {"-e", "--env"}, description = "Set an environment variable (KEY=VALUE).") List<String> env = new ArrayList<>();
        @Option(names = "--cwd", description = "Working directory in the container.") String cwd;
        @Option(names = {"-u", "--user"}, description = "UID[:GID].") String user;
        @Option(names = {"-g", "--additional-gids"}, description = "Additional group id.") List<Long> additionalGids = new ArrayList<>();
        @Option(names = {"-c", "--cap"}, description = "Add a capability to the bounding, effective, permitted and ambient sets.") List<String> caps = new ArrayList<>();
        @Option(names = "--no-new-privs", description = "Set no_new_privs for the process.") boolean noNewPrivs;
        @Option(names = "--apparmor", description = "Ignored: AppArmor is not supported.") String apparmor;
        @Option(names = "--process-label", description = "Ignored: SELinux is not supported.") String processLabel;
        @Option(names = "--preserve-fds", description = "Pass this many more fds (3, 4, …) to the process, besides stdio.") int preserveFds;
        @Option(names = "--cgroup", description = "Run in this sub-cgroup of the container's: [CONTROLLER[,CONTROLLER]:]PATH (repeatable).") List<String> cgroups = new ArrayList<>();
        @Option(names = "--ignore-paused", description = "Exec into a paused container anyway (the process starts frozen).") boolean ignorePaused;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;
        @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> command = new ArrayList<>();

        /** runc's exec exits 255 when the runtime (not the process) fails, so callers can tell the two apart. */
        @Override public Integer call() throws Exception {
            try {
                return execute();
            } catch (RuntimeError | IOException e) {
                parent.writeLog("error", e.getMessage());
                parent.err().println("dockyard: " + e.getMessage());
                parent.err().flush();
                return 255;
            }
        }

        private int execute() throws Exception {
            {
                OciRuntime rt = parent.runtime();
                Spec.Process p;
                if (process != null) {
                    Path file = parent.abs(process);
                    // not only regular files: `-p <(jq …)` hands over a pipe as /dev/fd/N
                    if (!Files.isReadable(file)) throw new RuntimeError("process file " + process + " does not exist");
                    p = SpecLoader.parseProcess(Files.readAllBytes(file), file.toString());
                    // runc: a process.json without "user" runs as root
                    if (p.user() == null) {
                        p = new Spec.Process(p.terminal(), p.consoleSize(), new Spec.User(0, 0, null, null, null), p.args(), p.commandLine(),
                                p.env(), p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(), p.oomScoreAdj(), p.selinuxLabel());
                    }
                } else {
                    if (command.isEmpty()) throw new RuntimeError("exec: a command to run is required (or --process)");
                    ContainerState st = rt.store().load(id);
                    p = fromFlags(st.config().process());
                }
                return rt.exec(id, new OciRuntime.ExecOptions(p, parent.abs(consoleSocket), parent.abs(pidFile), detach, ignorePaused, cgroups, preserveFds));
            }
        }

        /** runc's exec flags applied to the container's own process settings. */
        private Spec.Process fromFlags(Spec.Process base) {
            List<String> envs = new ArrayList<>(base.env() == null ? List.of() : base.env());
            for (String e : env) {
                String key = e.contains("=") ? e.substring(0, e.indexOf('=')) : e;
                envs.removeIf(x -> x.startsWith(key + "="));
                envs.add(e);
            }
            Spec.User u = base.user();
            if (user != null) {
                String[] parts = user.split(":", 2);
                try {
                    u = new Spec.User(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0, u.umask(), null, null);
                } catch (NumberFormatException e) {
                    throw new RuntimeError("--user \"" + user + "\": want numeric UID[:GID]");
                }
            }
            if (!additionalGids.isEmpty()) u = new Spec.User(u.uid(), u.gid(), u.umask(), additionalGids, null);
            Spec.Capabilities c = base.capabilities();
            if (!caps.isEmpty()) {
                c = new Spec.Capabilities(plus(c == null ? null : c.bounding(), caps), plus(c == null ? null : c.effective(), caps),
                        c == null ? null : c.inheritable(), plus(c == null ? null : c.permitted(), caps), plus(c == null ? null : c.ambient(), caps));
            }
            return new Spec.Process(tty, base.consoleSize(), u, command, null, envs, cwd == null ? base.cwd() : cwd, c,
                    base.rlimits(), noNewPrivs || base.isNoNewPrivileges(), null, null, null);
        }

        private static List<String> plus(List<String> base, List<String> add) {
            List<String> out = new ArrayList<>(base == null ? List.of() : base);
            for (String a : add) if (!out.contains(a)) out.add(a);
            return out;
        }
    }

    @Command(name = "list", description = "List the containers under --root.")
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-f", "--format"}, description = "table or json. Default: table") String format = "table";
        @Option(names = {"-q", "--quiet"}, description = "Print only the ids.") boolean quiet;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                List<OciState> all = parent.runtime().list();
                java.io.PrintWriter out = parent.out();
                if (quiet) {
                    all.forEach(s -> out.println(s.id()));
                } else if ("json".equals(format)) {
                    out.println(SpecLoader.toCompactJson(all));
                } else if ("table".equals(format)) {
                    List<String[]> rows = new ArrayList<>();
                    rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
                    for (OciState s : all) {
                        rows.add(new String[] {s.id(), Integer.toString(s.pid()), s.status(), s.bundle(), localTime(s.created()), s.owner().isEmpty() ? "root" : s.owner()});
                    }
                    printTable(out, rows);
                } else {
                    throw new RuntimeError("invalid format option \"" + format + "\"");
                }
                return 0;
            });
        }
    }

    @Command(name = "ps", description = "List the processes in a container (json: their pids).")
    static final class Ps implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-f", "--format"}, description = "table or json. Default: table") String format = "table";
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;
        @Parameters(index = "1..*", paramLabel = "PS_ARGS") List<String> psArgs = new ArrayList<>();

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                List<Integer> pids = parent.runtime().ps(id);
                if ("json".equals(format)) {
                    parent.out().println(SpecLoader.toCompactJson(pids));
                    return 0;
                }
                if (!"table".equals(format)) throw new RuntimeError("invalid format option \"" + format + "\"");
                // Like runc: run the host's ps and keep the header plus the container's rows.
                List<String> cmd = new ArrayList<>(List.of("ps"));
                cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
                Process ps = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                List<String> lines = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
                if (ps.waitFor() != 0 || lines.isEmpty()) throw new RuntimeError("ps failed: " + String.join("\n", lines));
                int pidCol = List.of(lines.getFirst().trim().split("\\s+")).indexOf("PID");
                if (pidCol < 0) throw new RuntimeError("couldn't find PID field in ps output");
                parent.out().println(lines.getFirst());
                for (String l : lines.subList(1, lines.size())) {
                    String[] f = l.trim().split("\\s+");
                    if (f.length > pidCol && pids.contains(Integer.parseInt(f[pidCol]))) parent.out().println(l);
                }
                return 0;
            });
        }
    }

    @Command(name = "pause", description = "Freeze every process in the container.")
    static final class Pause extends IdVerb {
        @Override void apply(OciRuntime rt, String id) throws IOException { rt.pause(id); }
    }

    @Command(name = "resume", description = "Thaw a paused container.")
    static final class Resume extends IdVerb {
        @Override void apply(OciRuntime rt, String id) throws IOException { rt.resume(id); }
    }

    /** Why checkpoint and restore fail: said the same way wherever it shows (stderr, --log, containerd's error). */
    static final String NO_CRIU = "is not supported: dockyard runc has no CRIU support (checkpoint/restore)";

    /**
     * runc checkpoint: takes runc's flags so that callers (containerd's shim, docker checkpoint) get
     * an answer about support rather than about syntax, checks the container as runc does, then
     * fails with exit status 1.
     */
    @Command(name = "checkpoint", description = "Not supported: checkpointing a container needs CRIU, which this runtime does not use.")
    static final class Checkpoint implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = "--image-path") String imagePath;
        @Option(names = "--work-path") String workPath;
        @Option(names = "--parent-path") String parentPath;
        @Option(names = "--leave-running") boolean leaveRunning;
        @Option(names = "--tcp-established") boolean tcpEstablished;
        @Option(names = "--ext-unix-sk") boolean extUnixSk;
        @Option(names = "--shell-job") boolean shellJob;
        @Option(names = "--lazy-pages") boolean lazyPages;
        @Option(names = "--status-fd") String statusFd;
        @Option(names = "--page-server") String pageServer;
        @Option(names = "--file-locks") boolean fileLocks;
        @Option(names = "--pre-dump") boolean preDump;
        @Option(names = "--manage-cgroups-mode") String manageCgroupsMode;
        @Option(names = "--empty-ns") List<String> emptyNs;
        @Option(names = "--auto-dedup") boolean autoDedup;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                parent.runtime().state(id); // "container does not exist" first, as runc says it
                throw new RuntimeError("checkpoint " + NO_CRIU);
            });
        }
    }

    /** runc restore: runc's flags accepted, then exit status 1 (nothing to restore without CRIU). */
    @Command(name = "restore", description = "Not supported: restoring a checkpoint needs CRIU, which this runtime does not use.")
    static final class Restore implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = "--console-socket") String consoleSocket;
        @Option(names = "--image-path") String imagePath;
        @Option(names = "--work-path") String workPath;
        @Option(names = "--tcp-established") boolean tcpEstablished;
        @Option(names = "--ext-unix-sk") boolean extUnixSk;
        @Option(names = "--shell-job") boolean shellJob;
        @Option(names = "--file-locks") boolean fileLocks;
        @Option(names = "--manage-cgroups-mode") String manageCgroupsMode;
        @Option(names = {"-b", "--bundle"}) String bundle;
        @Option(names = {"-d", "--detach"}) boolean detach;
        @Option(names = "--pid-file") String pidFile;
        @Option(names = "--no-subreaper") boolean noSubreaper;
        @Option(names = "--no-pivot") boolean noPivot;
        @Option(names = "--empty-ns") List<String> emptyNs;
        @Option(names = "--auto-dedup") boolean autoDedup;
        @Option(names = "--lazy-pages") boolean lazyPages;
        @Option(names = "--lsm-profile") String lsmProfile;
        @Option(names = "--lsm-mount-context") String lsmMountContext;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                throw new RuntimeError("restore " + NO_CRIU);
            });
        }
    }

    @Command(name = "events", description = "Print the container's resource usage as JSON events (every --interval, or once with --stats).")
    static final class Events implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = "--stats", description = "Print one stats event and exit.") boolean stats;
        @Option(names = "--interval", description = "Time between events, e.g. 5s or 500ms. Default: 5s") String interval = "5s";
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        /**
         * Stats every --interval, and an {"type":"oom"} event as soon as the OOM killer strikes in the
         * container's cgroup (checked every 100 ms); ends quietly when the container is deleted.
         */
        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                OciRuntime rt = parent.runtime();
                long millis = parseInterval(interval);
                if (stats) {
                    parent.out().println(SpecLoader.toCompactJson(rt.stats(id)));
                    return 0;
                }
                long ooms = rt.oomKills(id);
                long nextStats = 0;
                while (rt.store().exists(id)) {
                    try {
                        long now = System.nanoTime();
                        if (now >= nextStats) {
                            parent.out().println(SpecLoader.toCompactJson(rt.stats(id)));
                            nextStats = now + millis * 1_000_000;
                        }
                        long kills = rt.oomKills(id);
                        for (; ooms < kills; ooms++) parent.out().println(SpecLoader.toCompactJson(oomEvent(id)));
                        parent.out().flush();
                    } catch (RuntimeError e) {
                        if (!rt.store().exists(id)) break;
                        // stopped but not yet deleted: no stats, keep watching
                    }
                    Thread.sleep(Math.min(100, millis));
                }
                return 0;
            });
        }

        /** {"type":"oom","id":ID} with runc's key order, which consumers match as a string. */
        static Map<String, String> oomEvent(String id) {
            Map<String, String> ev = new LinkedHashMap<>();
            ev.put("type", "oom");
            ev.put("id", id);
            return ev;
        }

        static long parseInterval(String s) {
            try {
                if (s.endsWith("ms")) return Long.parseLong(s.substring(0, s.length() - 2));
                if (s.endsWith("s")) return (long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000);
                if (s.endsWith("m")) return Long.parseLong(s.substring(0, s.length() - 1)) * 60_000;
            } catch (NumberFormatException e) {
                // fall through
            }
            throw new RuntimeError("invalid --interval \"" + s + "\" (e.g. 5s, 500ms)");
        }
    }

    @Command(name = "update", description = "Change a container's resource limits (flags, or -r FILE with linux.resources JSON; '-' reads stdin).")
    static final class Update implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Option(names = {"-r", "--resources"}, description = "File with the new linux.resources (JSON); '-' for stdin.") String resources;
        @Option(names = "--blkio-weight") Integer blkioWeight;
        @Option(names = "--cpu-period") String cpuPeriod;
        @Option(names = "--cpu-quota") Long cpuQuota;
        @Option(names = "--cpu-share") String cpuShare;
        @Option(names = "--cpu-rt-period") String cpuRtPeriod;
        @Option(names = "--cpu-rt-runtime") Long cpuRtRuntime;
        @Option(names = "--cpuset-cpus") String cpusetCpus;
        @Option(names = "--cpuset-mems") String cpusetMems;
        @Option(names = "--kernel-memory") String kernelMemory;
        @Option(names = "--kernel-memory-tcp") String kernelMemoryTcp;
        @Option(names = "--memory") String memory;
        @Option(names = "--memory-reservation") String memoryReservation;
        @Option(names = "--memory-swap") String memorySwap;
        @Option(names = "--pids-limit") Long pidsLimit;
        @Parameters(index = "0", paramLabel = "CONTAINER_ID") String id;

        @Override public Integer call() throws Exception {
            return parent.guard(() -> {
                Spec.Resources r;
                if (resources != null) {
                    Path file = parent.abs(Path.of(resources.equals("-") ? "/dev/stdin" : resources));
                    byte[] json = Files.readAllBytes(file);
                    try {
                        r = SpecLoader.mapper().readValue(json, Spec.Resources.class);
                    } catch (IOException e) {
                        throw new RuntimeError("invalid resources JSON in " + resources + ": " + e.getMessage());
                    }
                } else {
                    Spec.Memory mem = memory == null && memoryReservation == null && memorySwap == null && kernelMemory == null && kernelMemoryTcp == null ? null
                            : new Spec.Memory(bytes(memory), bytes(memoryReservation), bytes(memorySwap), bytes(kernelMemory), bytes(kernelMemoryTcp), null, null, null);
                    Spec.Cpu cpu = cpuPeriod == null && cpuQuota == null && cpuShare == null && cpuRtPeriod == null && cpuRtRuntime == null && cpusetCpus == null && cpusetMems == null ? null
                            : new Spec.Cpu(big(cpuShare), cpuQuota, big(cpuPeriod), cpuRtRuntime, big(cpuRtPeriod), cpusetCpus, cpusetMems);
                    Spec.BlockIO io = blkioWeight == null ? null : new Spec.BlockIO(blkioWeight, null, null, null, null, null, null);
                    r = new Spec.Resources(null, mem, cpu, pidsLimit == null ? null : new Spec.Pids(pidsLimit), io, null, null, null);
                }
                parent.runtime().update(id, r);
                return 0;
            });
        }

        private static java.math.BigInteger big(String v) {
            if (v == null) return null;
            try {
                return new java.math.BigInteger(v);
            } catch (NumberFormatException e) {
                throw new RuntimeError("invalid value \"" + v + "\": want a number");
            }
        }

        /** Sizes as runc takes them: a number of bytes, -1 for unlimited, or 10k, 512M, 2g… */
        static Long bytes(String v) {
            if (v == null) return null;
            String s = v.trim().toLowerCase(java.util.Locale.ROOT);
            if (s.equals("-1")) return -1L;
            var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b)?").matcher(s);
            if (!m.matches()) throw new RuntimeError("invalid size \"" + v + "\" (e.g. 1048576, 512m, 2g, -1)");
            int shift = switch (m.group(2)) { case "k" -> 10; case "m" -> 20; case "g" -> 30; case "t" -> 40; case "p" -> 50; default -> 0; };
            return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
        }
    }

    /**
     * The AOT cache's training run (bin/dockyard): a verb's Java path without a container (spec,
     * parse, validate, plan, state JSON), so the classes a real verb needs are in the cache.
     */
    @Command(name = "aot-training", hidden = true)
    static final class AotTraining implements Callable<Integer> {
        @ParentCommand RuncCommand parent;
        @Parameters(index = "0") Path dir;

        @Override public Integer call() throws Exception {
            train(dir, parent.out());
            return 0;
        }

        /** Runs the runc verbs' Java path once in {@code dir} (for the AOT cache's training run). */
        static void train(Path dir, java.io.PrintWriter out) throws Exception {
            Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
            Files.writeString(dir.resolve(SpecLoader.CONFIG), SpecLoader.toJson(DefaultSpec.create()));
            Spec spec = SpecLoader.load(dir);
            dockyard.runc.spec.SpecValidator.validate(spec, dir);
            List<String> warnings = new ArrayList<>();
            var plan = new dockyard.runc.plan.PlanCompiler(warnings).container(new dockyard.runc.plan.PlanCompiler.ContainerRequest(
                    spec, dir, rootfs, dockyard.runc.plan.PlanCompiler.Mode.RUN, dir.resolve("sock"), null, List.of(), Map.of(),
                    null, false, null, "{", "}"));
            var state = new ContainerState("training", 1, 1, dir.toString(), rootfs.toString(), Instant.now().toString(), "", Map.of(), spec);
            var store = new dockyard.runc.state.StateStore(dir.resolve("state"));
            store.reserve("training");
            store.save(state);
            // the FFM downcalls (kill, mkfifo) link lazily and are a large share of a cold verb
            dockyard.linux.Libc.mkfifo(dir.resolve("fifo").toString(), 0600);
            boolean alive = dockyard.linux.Libc.processExists((int) ProcessHandle.current().pid());
            out.println(SpecLoader.toJson(store.load("training")).length() + plan.encode().length + (alive ? 1 : 0));
        }
    }

    static String localTime(String iso) {
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(Instant.parse(iso).atZone(ZoneId.systemDefault()).toOffsetDateTime());
        } catch (RuntimeException e) {
            return iso;
        }
    }

    static void printTable(java.io.PrintWriter out, List<String[]> rows) {
        int[] w = new int[rows.getFirst().length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(r[i]);
                if (i < r.length - 1) sb.append(" ".repeat(w[i] - r[i].length() + 3));
            }
            out.println(sb);
        }
    }
}
