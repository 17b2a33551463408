package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apache Kafka's own tools (kafka-tools 4.1, run through their main classes in their own JVMs) against a
 * three-node Runnel cluster in this JVM: {@code kafka-reassign-partitions.sh --execute/--verify}
 * (ReassignPartitionsCommand), {@code kafka-leader-election.sh} (LeaderElectionCommand) and
 * {@code kafka-topics.sh --describe --under-replicated-partitions} (TopicCommand), {@code kafka-features.sh describe}
 * (FeatureCommand) and {@code kafka-cluster.sh cluster-id / unregister} (ClusterTool).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ReassignmentToolsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private ClusterHarness cluster;
    private int runs;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    /** Runs a Kafka tool with {@code args} (after --bootstrap-server) in its own JVM; returns its output after asserting exit 0. */
    private String tool(String mainClass, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", cluster.bootstrap()));
        all.addAll(List.of(args));
        return toolWith(mainClass, all);
    }

    /** Runs a Kafka tool with exactly {@code all} as arguments in its own JVM; returns its output after asserting exit 0. */
    private String toolWith(String mainClass, List<String> all) throws Exception {
        Path log = dir.resolve("tool-" + (++runs) + ".log");
        try (JvmProcess p = JvmProcess.start(log, mainClass, all)) {
            assertThat(p.awaitExit(90_000)).as("%s %s finished", mainClass, all).isTrue();
            assertThat(p.exitCode()).as("%s %s exit code; output:%n%s", mainClass, all, p.log()).isZero();
            return p.log();
        }
    }

    private String reassign(String... args) throws Exception {
        return tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", args);
    }

    private String topics(String... args) throws Exception {
        return tool("org.apache.kafka.tools.TopicCommand", args);
    }

    private String elect(String... args) throws Exception {
        return tool("org.apache.kafka.tools.LeaderElectionCommand", args);
    }

    /** {@code kafka-features.sh --bootstrap-server B ARGS}. */
    private String features(String... args) throws Exception {
        return tool("org.apache.kafka.tools.FeatureCommand", args);
    }

    /** {@code kafka-cluster.sh COMMAND --bootstrap-server B ARGS} (the option belongs to each command). */
    private String clusterTool(String command, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(command, "--bootstrap-server", cluster.bootstrap()));
        all.addAll(List.of(args));
        return toolWith("org.apache.kafka.tools.ClusterTool", all);
    }

    @Test
    void reassignVerifyElectDescribeUnderReplicatedFeaturesClusterIdAndUnregister() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("cluster"), 3,
                Map.of("replica.lag.time.max.ms", "5000", "broker.session.timeout.ms", "6000")).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(WAIT, "three unfenced brokers", () -> ReassignmentIT.brokers(admin).size() == 3);
            admin.createTopics(List.of(new NewTopic("tools", Map.of(0, List.of(1, 2), 1, List.of(2, 3))))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>("tools", i % 2, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                }
            }

            // kafka-reassign-partitions.sh: tools-0 gets a third replica, tools-1 moves to [3, 1]
            Path plan = dir.resolve("plan.json");
            Files.writeString(plan, "{\"version\":1,\"partitions\":["
                    + "{\"topic\":\"tools\",\"partition\":0,\"replicas\":[1,2,3]},"
                    + "{\"topic\":\"tools\",\"partition\":1,\"replicas\":[3,1]}]}");
            String executed = reassign("--execute", "--reassignment-json-file", plan.toString());
            assertThat(executed).contains("Successfully started partition reassignments for tools-0,tools-1");
            String[] verified = new String[1];
            ClusterHarness.await(WAIT, "--verify reports both complete", () -> {
                try {
                    verified[0] = reassign("--verify", "--reassignment-json-file", plan.toString());
                    return verified[0].contains("Reassignment of partition tools-0 is completed.")
                            && verified[0].contains("Reassignment of partition tools-1 is completed.");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            // Admin may ask any node; each applies the completion a moment apart
            ReassignmentIT.awaitReassigned(admin, "tools", Map.of(0, List.of(1, 2, 3), 1, List.of(3, 1)));
            assertThat(reassign("--list")).contains("No partition reassignments found.");

            // kafka-leader-election.sh: reorder tools-0 so that 2 is preferred, then elect it
            Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"tools\",\"partition\":0,\"replicas\":[2,1,3]}]}");
            reassign("--execute", "--reassignment-json-file", plan.toString());
            ReassignmentIT.awaitReassigned(admin, "tools", Map.of(0, List.of(2, 1, 3)));
            assertThat(ReassignmentIT.describe(admin, "tools", 0).leader().id()).isEqualTo(1);
            String elected = elect("--election-type", "PREFERRED", "--topic", "tools", "--partition", "0");
            assertThat(elected).contains("Successfully completed leader election (PREFERRED) for partitions tools-0");
            ClusterHarness.await(WAIT, "2 leads tools-0", () -> {
                try {
                    return ReassignmentIT.describe(admin, "tools", 0).leader().id() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(elect("--election-type", "PREFERRED", "--all-topic-partitions"))
                    .doesNotContain("Successfully completed leader election");

            // kafka-topics.sh --describe --under-replicated-partitions: nothing, then what a stopped broker leaves
            assertThat(topics("--describe", "--under-replicated-partitions").lines().filter(l -> l.contains("Topic: tools")))
                    .as("no under-replicated partition").isEmpty();
            int active = cluster.controllerSeenBy(1);
            // tools-0 ([2, 1, 3]) and tools-1 ([3, 1]) both have it, and it is not the active controller (no election)
            int away = active == 3 ? 1 : 3;
            cluster.stop(away);
            String under = topics("--describe", "--under-replicated-partitions", "--topic", "tools");
            assertThat(under.lines().filter(l -> l.contains("Topic: tools")).toList()).as(under).hasSize(2)
                    .allMatch(l -> !l.substring(l.indexOf("Isr:")).contains(String.valueOf(away)));
            assertThat(Clients.readAll(cluster.bootstrap(active), List.of(new TopicPartition("tools", 0), new TopicPartition("tools", 1)),
                    WAIT)).hasSize(50);

            // kafka-cluster.sh cluster-id: the id DescribeCluster answers
            String clusterId = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            assertThat(clusterId).isNotBlank();
            assertThat(clusterTool("cluster-id").lines()).contains("Cluster ID: " + clusterId);

            // kafka-features.sh describe: one line per feature with the supported range and the finalized level
            Map<String, String> described = new java.util.TreeMap<>();
            for (String line : features("describe").lines().filter(l -> l.startsWith("Feature: ")).toList()) {
                described.put(line.substring("Feature: ".length(), line.indexOf('\t')), line);
            }
            assertThat(described).containsKeys("metadata.version", "kraft.version", "group.version", "transaction.version");
            // metadata.version 7 = 3.3-IV3 .. 33 = 4.4-IV2, newer than this 4.1 tool knows by name (it prints UNKNOWN 33)
            assertThat(described.get("metadata.version")).matches(
                    "Feature: metadata\\.version\tSupportedMinVersion: 3\\.3-IV3\tSupportedMaxVersion: (4\\.4-IV2|UNKNOWN 33)"
                            + "\tFinalizedVersionLevel: (4\\.4-IV2|UNKNOWN 33)\tEpoch: [0-9]+");
            assertThat(described.get("transaction.version"))
                    .contains("\tSupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 2\t");
            assertThat(described.get("group.version"))
                    .contains("\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1\t");
            assertThat(described.get("kraft.version"))
                    .contains("\tSupportedMinVersion: 0\tSupportedMaxVersion: 0\tFinalizedVersionLevel: 0\t");

            // kafka-cluster.sh unregister of the stopped broker: its registration is gone, even among the fenced
            assertThat(ClusterIT.brokerIds(admin, true)).contains(away);
            assertThat(clusterTool("unregister", "--id", Integer.toString(away)).lines())
                    .contains("Broker " + away + " is no longer registered.");
            ClusterHarness.await(WAIT, "broker " + away + " unregistered", () -> {
                try {
                    return !ClusterIT.brokerIds(admin, true).contains(away);
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
