package io.runnel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The admin command line: {@code runnel groups ...}, {@code runnel topics ...}, {@code runnel reassign-partitions ...}
 * and the others listed below, speaking the Kafka protocol
 * to any broker (Runnel or Kafka). Exit codes: 0 success, 1 a Kafka error or an unreachable / failing
 * broker (the error's name and message on stderr), 2 a usage error.
 */
@Command(name = "runnel", mixinStandardHelpOptions = true, version = "Runnel CLI " + KafkaProtocolClient.CLIENT_SOFTWARE_VERSION,
        description = "Admin commands for Runnel (and any Kafka-protocol cluster).",
        subcommands = {GroupsCommand.class, TopicsCommand.class, TransactionsCommand.class, MetadataQuorumCommand.class, FeaturesCommand.class,
                ReassignPartitionsCommand.class, LeaderElectionCommand.class, QuotasCommand.class, AclsCommand.class, UsersCommand.class})
public final class CliMain implements Callable<Integer> {
    public static final int OK = 0, ERROR = 1, USAGE = 2;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        // runnel-common's config classes (the TLS keys of --command-config) hold an SLF4J logger; the CLI ships no
        // SLF4J provider, and SLF4J's "no providers" notice on stderr would only be noise
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command with its output to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        PrintWriter o = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(new CliMain())
                .setOut(o)
                .setErr(e)
                .setExecutionExceptionHandler((ex, cmd, parseResult) -> {
                    if (ex instanceof CliException c) {
                        cmd.getErr().println(c.describe());
                    } else {
                        cmd.getErr().println("Error: unexpected " + ex);
                        ex.printStackTrace(cmd.getErr());
                    }
                    return ERROR;
                });
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter w = cmd.getErr();
            w.println("Error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, w);
            w.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
            return USAGE;
        });
        try {
            return cl.execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }
}
