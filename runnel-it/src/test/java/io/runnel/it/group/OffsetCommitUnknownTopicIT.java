package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConsumerGroupOffsetsResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Offsets for a topic or partition that does not exist are refused with UNKNOWN_TOPIC_OR_PARTITION and not
 * stored, as Kafka does, while the other partitions of the same commit are stored: a consumer's commitSync
 * and the Admin client's alterConsumerGroupOffsets (issue 7, item 2).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OffsetCommitUnknownTopicIT {
    private static final String TOPIC = "commit-known";

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        Map<String, String> overrides = new LinkedHashMap<>(GroupTests.brokerOverrides());
        overrides.put("auto.create.topics.enable", "false");
        broker = TestBroker.start(dir.resolve("broker"), overrides);
        admin = Clients.admin(broker.bootstrap());
        broker.createTopic(TOPIC, 2);
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    @Test
    void adminAlterOffsetsRefusesMissingTopicAndPartitionAndStoresTheRest() throws Exception {
        String group = "alter-unknown";
        TopicPartition known = new TopicPartition(TOPIC, 1);
        TopicPartition missingTopic = new TopicPartition("commit-no-such-topic", 0);
        TopicPartition missingPartition = new TopicPartition(TOPIC, 7);
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        offsets.put(known, new OffsetAndMetadata(3));
        offsets.put(missingTopic, new OffsetAndMetadata(5));
        offsets.put(missingPartition, new OffsetAndMetadata(6));

        AlterConsumerGroupOffsetsResult result = admin.alterConsumerGroupOffsets(group, offsets);
        result.partitionResult(known).get(30, TimeUnit.SECONDS);
        for (TopicPartition missing : new TopicPartition[]{missingTopic, missingPartition}) {
            assertThatThrownBy(() -> result.partitionResult(missing).get(30, TimeUnit.SECONDS))
                    .as(missing.toString())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(UnknownTopicOrPartitionException.class);
        }
        assertThat(GroupTests.committed(admin, group)).as("only the existing partition is stored")
                .containsOnlyKeys(known)
                .containsEntry(known, new OffsetAndMetadata(3));
    }

    @Test
    void consumerCommitSyncOfMissingTopicFailsAndStoresOnlyExistingPartitions() {
        String group = "commit-unknown";
        TopicPartition known = new TopicPartition(TOPIC, 0);
        TopicPartition missingTopic = new TopicPartition("commit-no-such-topic-2", 0);
        TopicPartition missingPartition = new TopicPartition(TOPIC, 2);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            offsets.put(known, new OffsetAndMetadata(4));
            offsets.put(missingTopic, new OffsetAndMetadata(9));
            offsets.put(missingPartition, new OffsetAndMetadata(9));
            // UNKNOWN_TOPIC_OR_PARTITION is retriable for the consumer: it retries until the timeout and then
            // reports either the error itself or a timeout, depending on the client version
            assertThatThrownBy(() -> consumer.commitSync(offsets, Duration.ofSeconds(3)))
                    .isInstanceOfAny(UnknownTopicOrPartitionException.class, TimeoutException.class);
            // a commit of existing partitions only still works
            consumer.commitSync(Map.of(new TopicPartition(TOPIC, 1), new OffsetAndMetadata(2)), Duration.ofSeconds(15));
        }
        assertThat(GroupTests.committed(admin, group)).as("nothing stored for the missing topic or partition")
                .containsOnlyKeys(known, new TopicPartition(TOPIC, 1))
                .containsEntry(known, new OffsetAndMetadata(4));
    }
}
