package io.runnel.cli;

import io.runnel.cli.ReplicaAdmin.Outcome;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code runnel leader-election}: preferred or unclean leader elections (ElectLeaders), like
 * kafka-leader-election.sh and with its messages. Partitions that could not elect a leader make it exit 1.
 */
@Command(name = "leader-election", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Elects partition leaders: the preferred replica, or (unclean) any live replica of a leaderless partition. "
                + "Like kafka-leader-election.sh.",
                "Exit codes: 0 success, 1 Kafka or connection error (or a partition that could not elect), 2 usage error."})
final class LeaderElectionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--election-type", required = true, paramLabel = "PREFERRED|UNCLEAN",
            description = "PREFERRED: the first replica leads if it is in sync; UNCLEAN: a leaderless partition elects any live replica.")
    String electionType;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Partitions (one of):%n")
    Target target;

    static final class Target {
        @ArgGroup(exclusive = false)
        One one;
        @Option(names = "--all-topic-partitions", required = true, description = "Every partition of every topic.")
        boolean all;
    }

    static final class One {
        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic (with --partition).")
        String topic;
        @Option(names = "--partition", required = true, paramLabel = "N", description = "The partition (with --topic).")
        int partition;
    }

    @Override
    public Integer call() {
        byte type = switch (electionType.toUpperCase(Locale.ROOT)) {
            case "PREFERRED" -> ReplicaAdmin.PREFERRED;
            case "UNCLEAN" -> ReplicaAdmin.UNCLEAN;
            default -> throw new ParameterException(spec.commandLine(), "--election-type is PREFERRED or UNCLEAN, got '" + electionType + "'");
        };
        String name = type == ReplicaAdmin.PREFERRED ? "PREFERRED" : "UNCLEAN";
        List<TopicPartition> partitions = target.all ? null : List.of(new TopicPartition(target.one.topic, target.one.partition));
        Map<TopicPartition, Outcome> results;
        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            results = new ReplicaAdmin(admin.client()).electLeaders(type, partitions);
        }
        List<TopicPartition> elected = new ArrayList<>();
        List<TopicPartition> notNeeded = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Errors firstError = null;
        for (Map.Entry<TopicPartition, Outcome> e : results.entrySet()) {
            Errors err = e.getValue().error();
            if (err == Errors.NONE) elected.add(e.getKey());
            else if (err == Errors.ELECTION_NOT_NEEDED) notNeeded.add(e.getKey());
            else {
                if (firstError == null) firstError = err;
                failed.add(e.getKey() + ": " + e.getValue().describe());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!elected.isEmpty()) out.println("Successfully completed leader election (" + name + ") for partitions " + names(elected));
        if (!notNeeded.isEmpty()) out.println("Valid replica already elected for partitions " + names(notNeeded));
        if (elected.isEmpty() && notNeeded.isEmpty() && failed.isEmpty()) out.println("No partition needed a leader election (" + name + ").");
        if (firstError != null) {
            throw new CliException(firstError, failed.size() + " replica(s) could not be elected (" + name + "):\n" + String.join("\n", failed));
        }
        return CliMain.OK;
    }

    private static String names(List<TopicPartition> tps) {
        return tps.stream().map(TopicPartition::toString).collect(Collectors.joining(", "));
    }
}
