package io.runnel.cli;

import io.runnel.cli.ClusterAdmin.ClusterInfo;
import io.runnel.cli.ClusterAdmin.PartitionInfo;
import io.runnel.cli.ClusterAdmin.TopicInfo;
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

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code runnel topics}: list, describe, create and delete topics, like kafka-topics.sh. */
@Command(name = "topics", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists, describes, creates and deletes topics. Like kafka-topics.sh.",
                "Exit codes: 0 success, 1 Kafka or connection error, 2 usage error."})
final class TopicsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Action (one of):%n")
    Action action;

    static final class Action {
        @Option(names = "--list", required = true, description = "List topic names.")
        boolean list;
        @Option(names = "--describe", required = true, description = "Describe topics: id, partitions, leader, replicas, ISR, reassignments, configs set on the topic.")
        boolean describe;
        @Option(names = "--create", required = true, description = "Create a topic.")
        boolean create;
        @Option(names = "--delete", required = true, description = "Delete a topic.")
        boolean delete;
    }

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic (required by --create and --delete; a filter for --list and --describe).")
    String topic;

    @Option(names = "--partitions", paramLabel = "N", description = "With --create: the number of partitions (default: the broker's num.partitions).")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "N",
            description = "With --create: the replication factor (default: the broker's default.replication.factor).")
    Short replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "With --create: a topic config (repeatable), e.g. cleanup.policy=compact.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "With --create: succeed if the topic already exists.")
    boolean ifNotExists;

    @Option(names = "--if-exists", description = "With --delete and --describe: succeed if the topic does not exist.")
    boolean ifExists;

    @Option(names = "--under-replicated-partitions",
            description = "With --describe: only the partitions with fewer in-sync replicas than replicas (not counting ones being added).")
    boolean underReplicated;

    @Option(names = "--exclude-internal", description = "With --list and --describe: leave out internal topics (__consumer_offsets).")
    boolean excludeInternal;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        Map<String, String> cfg = validate();
        try (ClusterAdmin admin = connection.open(spec, spec.commandLine().getErr())) {
            if (action.list) return list(admin);
            if (action.describe) return describe(admin);
            if (action.create) return create(admin, cfg);
            return delete(admin);
        }
    }

    private Map<String, String> validate() {
        if ((action.create || action.delete) && (topic == null || topic.isBlank())) throw usage("Missing --topic");
        if (!action.create && (partitions != null || replicationFactor != null || !configs.isEmpty() || ifNotExists)) {
            throw usage("--partitions, --replication-factor, --config and --if-not-exists only go with --create");
        }
        if (ifExists && !(action.delete || action.describe)) throw usage("--if-exists only goes with --delete and --describe");
        if (excludeInternal && !(action.list || action.describe)) throw usage("--exclude-internal only goes with --list and --describe");
        if (underReplicated && !action.describe) throw usage("--under-replicated-partitions only goes with --describe");
        if (partitions != null && partitions < 1) throw usage("--partitions must be at least 1");
        if (replicationFactor != null && replicationFactor < 1) throw usage("--replication-factor must be at least 1");
        Map<String, String> cfg = new LinkedHashMap<>();
        for (String c : configs) {
            int eq = c.indexOf('=');
            if (eq <= 0) throw usage("--config takes KEY=VALUE, got '" + c + "'");
            cfg.put(c.substring(0, eq).trim(), c.substring(eq + 1).trim());
        }
        return cfg;
    }

    private List<TopicInfo> selected(ClusterInfo md) {
        return md.topics().values().stream()
                .filter(t -> t.error() == Errors.NONE)
                .filter(t -> topic == null || t.name().equals(topic))
                .filter(t -> !(excludeInternal && t.internal()))
                .toList();
    }

    private int list(ClusterAdmin admin) {
        for (TopicInfo t : selected(admin.metadata(topic == null ? null : List.of(topic)))) out().println(t.name());
        return CliMain.OK;
    }

    private int describe(ClusterAdmin admin) {
        ClusterInfo md = admin.metadata(topic == null ? null : List.of(topic));
        if (topic != null) {
            TopicInfo t = md.topics().get(topic);
            if (t == null || t.error() == Errors.UNKNOWN_TOPIC_OR_PARTITION) {
                if (ifExists) return CliMain.OK;
                throw CliException.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + topic + "' does not exist.");
            }
            md.require(topic);
        }
        List<TopicInfo> topics = selected(md);
        // all reassignments in progress (few), rather than naming every partition of every topic
        Map<TopicPartition, Reassignment> reassigning = new ReplicaAdmin(admin.client()).listReassignments(null);
        // KIP-966: kafka-topics.sh shows each partition's ELR (N/A when the broker does not serve DescribeTopicPartitions)
        Map<TopicPartition, ClusterAdmin.Elr> elrs = topics.isEmpty() ? Map.of()
                : admin.eligibleLeaderReplicas(topic == null ? null : List.of(topic));
        Map<String, Map<String, String>> configs = underReplicated ? Map.of()
                : admin.topicConfigs(topics.stream().map(TopicInfo::name).toList());
        PrintWriter out = out();
        for (TopicInfo t : topics) {
            if (!underReplicated) {
                int rf = t.partitions().isEmpty() ? 0 : replicationFactor(t.partitions().get(0), reassigning.get(new TopicPartition(t.name(), 0)));
                String cfg = configs.getOrDefault(t.name(), Map.of()).entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
                out.println("Topic: " + t.name() + "\tTopicId: " + t.id() + "\tPartitionCount: " + t.partitions().size()
                        + "\tReplicationFactor: " + rf + "\tConfigs: " + cfg);
            }
            for (PartitionInfo p : t.partitions()) {
                Reassignment r = reassigning.get(new TopicPartition(t.name(), p.partition()));
                if (underReplicated && p.isr().size() >= replicationFactor(p, r)) continue;
                out.println("\tTopic: " + t.name() + "\tPartition: " + p.partition()
                        + "\tLeader: " + (p.leader() < 0 ? "none" : String.valueOf(p.leader()))
                        + "\tReplicas: " + join(p.replicas()) + "\tIsr: " + join(p.isr())
                        + (r == null ? "" : "\tAdding Replicas: " + join(r.adding()) + "\tRemoving Replicas: " + join(r.removing()))
                        + elrColumns(elrs == null ? null : elrs.get(new TopicPartition(t.name(), p.partition())))
                        + (p.offline().isEmpty() ? "" : "\tOffline: " + join(p.offline())));
            }
        }
        return CliMain.OK;
    }

    /** kafka-topics.sh's (Kafka 4.x) "Elr:" and "LastKnownElr:" columns; N/A for a list the broker did not send. */
    static String elrColumns(ClusterAdmin.Elr e) {
        return "\tElr: " + (e == null || e.elr() == null ? "N/A" : join(e.elr()))
                + "\tLastKnownElr: " + (e == null || e.lastKnownElr() == null ? "N/A" : join(e.lastKnownElr()));
    }

    /** As kafka-topics.sh counts it: the replicas, without those a reassignment is adding. */
    private static int replicationFactor(PartitionInfo p, Reassignment r) {
        return p.replicas().size() - (r == null ? 0 : r.adding().size());
    }

    private static String join(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private int create(ClusterAdmin admin, Map<String, String> cfg) {
        try {
            admin.createTopic(topic, partitions == null ? -1 : partitions, replicationFactor == null ? -1 : replicationFactor, cfg);
        } catch (CliException e) {
            if (ifNotExists && e.error() == Errors.TOPIC_ALREADY_EXISTS) return CliMain.OK;
            throw e;
        }
        out().println("Created topic " + topic + ".");
        return CliMain.OK;
    }

    private int delete(ClusterAdmin admin) {
        try {
            admin.deleteTopic(topic);
        } catch (CliException e) {
            if (ifExists && e.error() == Errors.UNKNOWN_TOPIC_OR_PARTITION) return CliMain.OK;
            throw e;
        }
        out().println("Deleted topic " + topic + ".");
        return CliMain.OK;
    }
}
