package dockyard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/dockyard <kit> <verb>}: one front door for every kit. */
@Command(name = "dockyard", mixinStandardHelpOptions = true, version = "dockyard 0.1.0",
        description = "Docker's open-source kits rebuilt in Java.",
        subcommands = {UpCommand.class, DataKitCommand.class, RuncCommand.class, LinuxKitCommand.class, HyperKitCommand.class, VpnKitCommand.class, NotaryCommand.class, Main.AotTraining.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** Hidden: what bin/dockyard runs once per build to make the JDK AOT cache (classes loaded and linked ahead). */
    @Command(name = "aot-training", hidden = true)
    static final class AotTraining implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(index = "0") java.nio.file.Path dir;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            RuncCommand.AotTraining.train(java.nio.file.Files.createDirectories(dir.resolve("runc")), spec.commandLine().getOut());
            LinuxKitCommand.train(java.nio.file.Files.createDirectories(dir.resolve("linuxkit")), spec.commandLine().getOut());
            NotaryClientCommands.train(java.nio.file.Files.createDirectories(dir.resolve("notary")));
            return 0;
        }
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // runc accepts e.g. `--root state`; a value that is also a verb name is still a value
        cl.setAllowSubcommandsAsOptionParameters(true);
        CommandLine runc = cl.getSubcommands().get("runc");
        RuncCommand.configure(runc);
        // picocli asks the executing CommandLine's handler, so runc's unknown-verb answer goes here too
        cl.setParameterExceptionHandler(RuncCommand.unknownVerb(runc, cl.getParameterExceptionHandler()));
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
