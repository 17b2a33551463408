package io.runnel.cli;

import io.runnel.cli.ClusterAdmin.ClusterInfo;
import io.runnel.cli.ClusterAdmin.PartitionInfo;
import io.runnel.cli.ClusterAdmin.TopicInfo;
import io.runnel.cli.ReplicaAdmin.Outcome;
import io.runnel.cli.ReplicaAdmin.Reassignment;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code runnel reassign-partitions}: start, verify, list and cancel partition reassignments
 * (AlterPartitionReassignments, ListPartitionReassignments), like kafka-reassign-partitions.sh and with its
 * JSON file and messages.
 */
@Command(name = "reassign-partitions", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Moves partition replicas between brokers. Like kafka-reassign-partitions.sh.",
                "Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."})
final class ReassignPartitionsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Action (one of):%n")
    Action action;

    static final class Action {
        @Option(names = "--execute", required = true, description = "Start the reassignments of the JSON file; prints the current assignment for a rollback.")
        boolean execute;
        @Option(names = "--verify", required = true, description = "Tell whether each reassignment of the JSON file is completed or still in progress.")
        boolean verify;
        @Option(names = "--list", required = true, description = "List the reassignments in progress.")
        boolean list;
        @Option(names = "--cancel", required = true, description = "Cancel the reassignments of the JSON file: back to the original replicas.")
        boolean cancel;
    }

    @Option(names = "--reassignment-json-file", paramLabel = "FILE",
            description = "{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2]}]} (--execute, --verify, --cancel).")
    Path jsonFile;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() {
        Map<TopicPartition, List<Integer>> plan = null;
        if (!action.list) {
            if (jsonFile == null) throw new ParameterException(spec.commandLine(), "Missing --reassignment-json-file");
            plan = readPlan();
        } else if (jsonFile != null) {
            throw new ParameterException(spec.commandLine(), "--reassignment-json-file does not go with --list");
        }
        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            ReplicaAdmin replicas = new ReplicaAdmin(admin.client());
            if (action.list) return list(replicas);
            if (action.execute) return execute(admin, replicas, plan);
            if (action.verify) return verify(admin, replicas, plan);
            return cancel(replicas, plan);
        }
    }

    private Map<TopicPartition, List<Integer>> readPlan() {
        String json;
        try {
            json = Files.readString(jsonFile);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "Cannot read " + jsonFile + ": " + e.getMessage());
        }
        try {
            return ReassignmentPlan.parse(json);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Bad reassignment JSON in " + jsonFile + ": " + e.getMessage());
        }
    }

    /** The current replicas of each planned partition; a missing topic or partition is UNKNOWN_TOPIC_OR_PARTITION. */
    private static Map<TopicPartition, List<Integer>> current(ClusterAdmin admin, Map<TopicPartition, List<Integer>> plan) {
        ClusterInfo md = admin.metadata(new LinkedHashSet<>(plan.keySet().stream().map(TopicPartition::topic).toList()));
        Map<TopicPartition, List<Integer>> out = new LinkedHashMap<>();
        for (TopicPartition tp : plan.keySet()) {
            TopicInfo t = md.require(tp.topic());
            PartitionInfo p = t.partitions().stream().filter(x -> x.partition() == tp.partition()).findFirst()
                    .orElseThrow(() -> CliException.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Partition " + tp + " does not exist."));
            out.put(tp, p.replicas());
        }
        return out;
    }

    private int execute(ClusterAdmin admin, ReplicaAdmin replicas, Map<TopicPartition, List<Integer>> plan) {
        Map<TopicPartition, List<Integer>> current = current(admin, plan);
        PrintWriter out = out();
        out.println("Current partition replica assignment");
        out.println();
        out.println(ReassignmentPlan.format(current));
        out.println();
        out.println("Save this to use as the --reassignment-json-file option during rollback");
        Map<TopicPartition, Outcome> results = replicas.alterReassignments(plan);
        requireAllOk(results, "Error reassigning partition(s):");
        out.println("Successfully started partition reassignment" + (plan.size() == 1 ? "" : "s") + " for " + names(plan.keySet()));
        return CliMain.OK;
    }

    private int verify(ClusterAdmin admin, ReplicaAdmin replicas, Map<TopicPartition, List<Integer>> plan) {
        Map<TopicPartition, Reassignment> ongoing = replicas.listReassignments(plan.keySet());
        Map<TopicPartition, List<Integer>> current = current(admin, plan);
        PrintWriter out = out();
        out.println("Status of partition reassignment:");
        for (Map.Entry<TopicPartition, List<Integer>> e : plan.entrySet()) {
            TopicPartition tp = e.getKey();
            Reassignment r = ongoing.get(tp);
            if (r != null && r.target().equals(e.getValue())) {
                out.println("Reassignment of partition " + tp + " is still in progress.");
            } else if (r != null) {
                out.println("There is a reassignment of partition " + tp + " in progress, but its target is " + join(r.target())
                        + " rather than " + join(e.getValue()) + ".");
            } else if (current.get(tp).equals(e.getValue())) {
                out.println("Reassignment of partition " + tp + " is completed.");
            } else {
                out.println("There is no active reassignment of partition " + tp + ", but replica set is " + join(current.get(tp))
                        + " rather than " + join(e.getValue()) + ".");
            }
        }
        return CliMain.OK;
    }

    private int list(ReplicaAdmin replicas) {
        Map<TopicPartition, Reassignment> ongoing = replicas.listReassignments(null);
        PrintWriter out = out();
        if (ongoing.isEmpty()) {
            out.println("No partition reassignments found.");
            return CliMain.OK;
        }
        out.println("Current partition reassignments:");
        ongoing.forEach((tp, r) -> out.println(tp + ": replicas: " + join(r.replicas()) + ". adding: " + join(r.adding())
                + ". removing: " + join(r.removing()) + "."));
        return CliMain.OK;
    }

    private int cancel(ReplicaAdmin replicas, Map<TopicPartition, List<Integer>> plan) {
        Map<TopicPartition, List<Integer>> cancels = new LinkedHashMap<>();
        for (TopicPartition tp : plan.keySet()) cancels.put(tp, null);
        requireAllOk(replicas.alterReassignments(cancels), "Error cancelling partition reassignment(s):");
        out().println("Successfully cancelled partition reassignment" + (plan.size() == 1 ? "" : "s") + " for " + names(plan.keySet()));
        return CliMain.OK;
    }

    /** Throws one CliException listing every failed partition (the first one's error is the command's). */
    private static void requireAllOk(Map<TopicPartition, Outcome> results, String heading) {
        List<String> failed = new ArrayList<>();
        Errors first = null;
        for (Map.Entry<TopicPartition, Outcome> e : results.entrySet()) {
            if (e.getValue().ok()) continue;
            if (first == null) first = e.getValue().error();
            failed.add(e.getKey() + ": " + e.getValue().describe());
        }
        if (first != null) throw new CliException(first, heading + "\n" + String.join("\n", failed));
    }

    private static String names(java.util.Collection<TopicPartition> tps) {
        return tps.stream().map(TopicPartition::toString).collect(Collectors.joining(","));
    }

    private static String join(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
