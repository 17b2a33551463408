package io.runnel.it;

import io.runnel.cli.CliMain;
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

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
 * {@code ./runnel reassign-partitions}, {@code ./runnel leader-election} and {@code ./runnel topics --describe
 * [--under-replicated-partitions]} (runnel-cli, run in-process) against a three-node cluster: a reassignment
 * shows as in progress (list, verify, Adding Replicas) while its new replica is down and completes when it is
 * back; a reorder plus a preferred election moves the leader; a stopped broker makes the partition
 * under-replicated.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ReassignmentCliIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    /** Runs {@code runnel <args> --bootstrap-server <node>}; returns stdout after asserting exit 0. */
    private String cli(int node, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-server", cluster.bootstrap(node)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = CliMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                all.toArray(String[]::new));
        String o = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).as("runnel %s: exit code%n--- stdout%n%s--- stderr%n%s", all, o, err.toString(StandardCharsets.UTF_8)).isZero();
        return o;
    }

    private static String line(String output, String containing) {
        return output.lines().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + containing + " in:\n" + output));
    }

    @Test
    void reassignListVerifyDescribeAndElectThroughTheCli() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir.resolve("cluster"), 3,
                Map.of("replica.lag.time.max.ms", "5000", "broker.session.timeout.ms", "6000")).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(WAIT, "three unfenced brokers", () -> ReassignmentIT.brokers(admin).size() == 3);
            int active = cluster.controllerSeenBy(1);
            int away = active == 3 ? 2 : 3; // not the active controller: stopping it needs no election
            int other = 6 - active - away;
            admin.createTopics(List.of(new NewTopic("cli", Map.of(0, List.of(active, other))))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("cli", 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }

            cluster.stop(away); // registered but down: the reassignment adding it stays in progress
            Path plan = dir.resolve("plan.json");
            Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"cli\",\"partition\":0,\"replicas\":[" + active + "," + other + "," + away + "]}]}");
            String executed = cli(active, "reassign-partitions", "--execute", "--reassignment-json-file", plan.toString());
            assertThat(executed).contains("\"replicas\":[" + active + "," + other + "]").contains("Successfully started partition reassignment for cli-0");
            assertThat(cli(active, "reassign-partitions", "--list")).isEqualTo("Current partition reassignments:\ncli-0: replicas: "
                    + active + "," + other + "," + away + ". adding: " + away + ". removing: .\n");
            assertThat(cli(active, "reassign-partitions", "--verify", "--reassignment-json-file", plan.toString()))
                    .contains("Reassignment of partition cli-0 is still in progress.");
            String described = cli(active, "topics", "--describe", "--topic", "cli");
            assertThat(line(described, "TopicId")).contains("ReplicationFactor: 2");
            assertThat(line(described, "Partition: 0")).contains("Replicas: " + active + "," + other + "," + away)
                    .contains("Adding Replicas: " + away + "\tRemoving Replicas: ");
            assertThat(cli(active, "topics", "--describe", "--under-replicated-partitions"))
                    .as("the adding replica does not count").doesNotContain("Topic: cli");

            cluster.start(away);
            ClusterHarness.await(WAIT, "--verify says completed", () ->
                    cli(active, "reassign-partitions", "--verify", "--reassignment-json-file", plan.toString())
                            .contains("Reassignment of partition cli-0 is completed."));
            String after = cli(active, "topics", "--describe", "--topic", "cli"); // the node --verify asked (a restarted one may lag)
            assertThat(line(after, "TopicId")).contains("ReplicationFactor: 3");
            assertThat(line(after, "Partition: 0")).doesNotContain("Adding Replicas");

            // the new replica becomes preferred, then leads after a preferred election
            Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"cli\",\"partition\":0,\"replicas\":[" + away + "," + active + "," + other + "]}]}");
            // through a node that is not the active controller: it forwards the reassignment there
            int controller = cluster.controllerSeenBy(active);
            int via = controller == active ? other : active;
            cli(via, "reassign-partitions", "--execute", "--reassignment-json-file", plan.toString());
            assertThat(cli(other, "leader-election", "--election-type", "PREFERRED", "--topic", "cli", "--partition", "0"))
                    .isEqualTo("Successfully completed leader election (PREFERRED) for partitions cli-0\n");
            ClusterHarness.await(WAIT, "Metadata names the new leader", () -> line(cli(active, "topics", "--describe", "--topic", "cli"), "Partition: 0")
                    .contains("Leader: " + away + "\t"));
            assertThat(cli(active, "leader-election", "--election-type", "PREFERRED", "--all-topic-partitions"))
                    .doesNotContain("cli-0");

            cluster.stop(other); // neither the controller nor the leader
            ClusterHarness.await(WAIT, "cli-0 is under-replicated", () -> cli(active, "topics", "--describe", "--under-replicated-partitions")
                    .contains("\tTopic: cli\tPartition: 0\tLeader: " + away + "\t"));
            assertThat(Clients.readAll(cluster.bootstrap(active), List.of(new TopicPartition("cli", 0)), WAIT)).hasSize(20);
        }
    }
}
