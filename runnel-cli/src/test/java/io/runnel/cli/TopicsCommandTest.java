package io.runnel.cli;

import io.runnel.cli.EmbeddedBroker.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code runnel topics} against an in-process broker. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicsCommandTest {
    @TempDir
    static Path dataDir;
    static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Test
    void createListDescribeDelete() {
        Result created = broker.cli("topics", "--create", "--topic", "t-crud", "--partitions", "4", "--config", "retention.ms=3600000",
                "--config", "cleanup.policy=compact");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).contains("Created topic t-crud.");

        Result again = broker.cli("topics", "--create", "--topic", "t-crud", "--partitions", "4");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("TOPIC_ALREADY_EXISTS");
        assertThat(broker.cli("topics", "--create", "--topic", "t-crud", "--if-not-exists").exitCode()).isZero();

        Result list = broker.cli("topics", "--list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out().lines().toList()).contains("t-crud");

        Result d = broker.cli("topics", "--describe", "--topic", "t-crud");
        assertThat(d.exitCode()).as(d.toString()).isZero();
        List<String> lines = d.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("Topic: t-crud\tTopicId: ").contains("PartitionCount: 4", "ReplicationFactor: 1",
                "Configs: cleanup.policy=compact,retention.ms=3600000");
        for (int p = 0; p < 4; p++) {
            assertThat(lines.get(p + 1)).isEqualTo("\tTopic: t-crud\tPartition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ");
        }

        Result under = broker.cli("topics", "--describe", "--under-replicated-partitions");
        assertThat(under.exitCode()).as(under.toString()).isZero();
        assertThat(under.out()).as("a single replica is always in sync; no topic lines either").isEmpty();

        Result all = broker.cli("topics", "--describe");
        assertThat(all.exitCode()).as(all.toString()).isZero();
        assertThat(all.out()).contains("Topic: t-crud\t");

        Result deleted = broker.cli("topics", "--delete", "--topic", "t-crud");
        assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
        assertThat(broker.cli("topics", "--list").out().lines().toList()).doesNotContain("t-crud");

        Result missing = broker.cli("topics", "--delete", "--topic", "t-crud");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.err()).contains("UNKNOWN_TOPIC_OR_PARTITION");
        assertThat(broker.cli("topics", "--delete", "--topic", "t-crud", "--if-exists").exitCode()).isZero();

        Result describeMissing = broker.cli("topics", "--describe", "--topic", "t-crud");
        assertThat(describeMissing.exitCode()).as(describeMissing.toString()).isEqualTo(1);
        assertThat(describeMissing.err()).contains("UNKNOWN_TOPIC_OR_PARTITION").contains("does not exist");
    }

    @Test
    void defaultsComeFromTheBroker() {
        Result created = broker.cli("topics", "--create", "--topic", "t-defaults");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        Result d = broker.cli("topics", "--describe", "--topic", "t-defaults");
        assertThat(d.out()).contains("PartitionCount: 1").contains("Configs: \n");
    }

    @Test
    void internalTopicsCanBeLeftOut() {
        // a group commit creates __consumer_offsets
        Result reset = broker.cli("topics", "--create", "--topic", "t-internal");
        assertThat(reset.exitCode()).isZero();
        reset = broker.cli("groups", "--reset-offsets", "--group", "g-internal", "--topic", "t-internal", "--to-earliest", "--execute");
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        assertThat(broker.cli("topics", "--list").out().lines().toList()).contains("__consumer_offsets", "t-internal");
        assertThat(broker.cli("topics", "--list", "--exclude-internal").out().lines().toList()).doesNotContain("__consumer_offsets").contains("t-internal");
    }

    @Test
    void invalidRequestsAndUsage() {
        Result bad = broker.cli("topics", "--create", "--topic", "bad/name", "--partitions", "1");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.err()).contains("INVALID_TOPIC_EXCEPTION");

        assertThat(broker.cli("topics", "--create", "--topic", "x", "--partitions", "0").exitCode()).isEqualTo(2);
        assertThat(broker.cli("topics", "--create", "--partitions", "1").exitCode()).isEqualTo(2);
        assertThat(broker.cli("topics", "--create", "--topic", "x", "--config", "novalue").exitCode()).isEqualTo(2);
        assertThat(broker.cli("topics", "--list", "--partitions", "3").exitCode()).isEqualTo(2);
        assertThat(broker.cli("topics").exitCode()).isEqualTo(2);
        assertThat(broker.cli("topics", "--list", "--under-replicated-partitions").exitCode()).isEqualTo(2);
    }

    @Test
    void elrColumnsAreKafkaToolsOnes() {
        assertThat(TopicsCommand.elrColumns(new ClusterAdmin.Elr(List.of(3), List.of())))
                .isEqualTo("\tElr: 3\tLastKnownElr: ");
        assertThat(TopicsCommand.elrColumns(new ClusterAdmin.Elr(List.of(2, 3), List.of(1))))
                .isEqualTo("\tElr: 2,3\tLastKnownElr: 1");
        assertThat(TopicsCommand.elrColumns(new ClusterAdmin.Elr(null, null)))
                .as("lists the broker did not send").isEqualTo("\tElr: N/A\tLastKnownElr: N/A");
        assertThat(TopicsCommand.elrColumns(null)).as("no DescribeTopicPartitions").isEqualTo("\tElr: N/A\tLastKnownElr: N/A");
    }
}
