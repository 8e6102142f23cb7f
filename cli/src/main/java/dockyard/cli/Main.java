package dockyard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/dockyard <kit> <verb>}: one front door for every kit. */
@Command(name = "dockyard", mixinStandardHelpOptions = true, version = "dockyard 0.1.0",
        description = "Docker's open-source kits rebuilt in Java.",
        subcommands = {Main.AotTraining.class, ResidentCommand.class})
public final class Main implements Runnable {
    /**
     * The kits, in the order usage lists them. Picocli reads every annotation of a command's tree
     * when it is added (reflection through annotation proxies, ~0.3 s for all kits at start-up), so
     * a command line that names a kit gets only that kit; anything else (no kit, --help, a typo)
     * gets all of them, for the usage text and the suggestions.
     */
    static final java.util.Map<String, java.util.function.Supplier<Object>> KITS = kits();

    private static java.util.Map<String, java.util.function.Supplier<Object>> kits() {
        java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
        m.put("up", UpCommand::new);
        m.put("datakit", DataKitCommand::new);
        m.put("runc", RuncCommand::new);
        m.put("linuxkit", LinuxKitCommand::new);
        m.put("hyperkit", HyperKitCommand::new);
        m.put("vpnkit", VpnKitCommand::new);
        m.put("notary", NotaryCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** Hidden: what bin/dockyard runs once per build to make the JDK AOT cache (classes loaded and linked ahead). */
    @Command(name = "aot-training", hidden = true)
    static final class AotTraining implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(index = "0") java.nio.file.Path dir;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            // each kit's command tree as a verb's start-up builds it
            for (String kit : KITS.keySet()) Main.run(kit, "--help");
            RuncCommand.AotTraining.train(java.nio.file.Files.createDirectories(dir.resolve("runc")), spec.commandLine().getOut());
            LinuxKitCommand.train(java.nio.file.Files.createDirectories(dir.resolve("linuxkit")), spec.commandLine().getOut());
            NotaryClientCommands.train(java.nio.file.Files.createDirectories(dir.resolve("notary")));
            return 0;
        }
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        String kit = args.length > 0 && KITS.containsKey(args[0]) ? args[0] : null;
        KITS.forEach((name, command) -> {
            if (kit == null || kit.equals(name)) cl.addSubcommand(name, command.get());
        });
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        // runc accepts e.g. `--root state`; a value that is also a verb name is still a value
        cl.setAllowSubcommandsAsOptionParameters(true);
        CommandLine runc = cl.getSubcommands().get("runc");
        if (runc != null) {
            RuncCommand.configure(runc);
            // picocli asks the executing CommandLine's handler, so runc's unknown-verb answer goes here too
            cl.setParameterExceptionHandler(RuncCommand.unknownVerb(runc, cl.getParameterExceptionHandler()));
        }
        // Errors a user can act on are one line on stderr, not a stack trace.
        cl.setExecutionExceptionHandler((e, cmd, parse) -> {
            cmd.getErr().println("dockyard: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        // serve verbs return only after their shutdown hook ran; exiting then is harmless
        System.exit(run(args));
    }
}
