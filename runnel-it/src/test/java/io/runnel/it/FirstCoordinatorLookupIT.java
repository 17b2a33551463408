package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.FindCoordinatorRequest;
import io.runnel.protocol.message.FindCoordinatorResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.runnel.group.GroupCoordinator;
import io.runnel.protocol.message.MetadataRequest;
import io.runnel.protocol.message.MetadataResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first FindCoordinator of a fresh broker, for a group and for a transactional id: the lookup starts the
 * creation of {@code __consumer_offsets} / {@code __transaction_state} and waits for it, so the very first answer
 * names the coordinator (a client would otherwise get COORDINATOR_NOT_AVAILABLE and back off before asking again).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstCoordinatorLookupIT {
    @TempDir
    Path dir;

    @Test
    void theFirstLookupOfAFreshBrokerNamesTheCoordinator() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"));
             RawClient c = new RawClient(broker.port())) {
            assertNamesThisBroker(c, "first-group", broker);

            FindCoordinatorRequest txn = new FindCoordinatorRequest();
            txn.keyType = 1;
            txn.coordinatorKeys = List.of("first-txn", "second-txn");
            c.send(ApiKeys.FIND_COORDINATOR, (short) 4, 2, txn);
            FindCoordinatorResponse t = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 4).body();
            assertThat(t.coordinators).hasSize(2).allSatisfy(k -> {
                assertThat(k.errorCode).as("first transactional lookup of %s: %s", k.key, k.errorMessage).isZero();
                assertThat(k.port).isEqualTo(broker.port());
            });
        }
    }

    /**
     * The lookup waits only for its own partition: with 2,000 partitions of {@code __consumer_offsets} to create, a group
     * of partition 0 is answered while the rest are still being created (the topic is not yet in the metadata), and the
     * group works at once: a real consumer commits and reads back an offset.
     */
    @Test
    void theFirstLookupAnswersOnceItsOwnPartitionIsLoadedNotTheWholeTopic() throws Exception {
        int partitions = 2_000;
        String group = null;
        for (int i = 0; group == null; i++) {
            if (GroupCoordinator.partitionFor("early-group-" + i, partitions) == 0) group = "early-group-" + i;
        }
        try (TestBroker broker = TestBroker.start(dir.resolve("broker"), Map.of("offsets.topic.num.partitions", Integer.toString(partitions)));
             RawClient c = new RawClient(broker.port())) {
            try (Admin admin = Clients.admin(broker.bootstrap())) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("early", 1, (short) 1))).all().get();
            }
            assertNamesThisBroker(c, group, broker);

            MetadataRequest md = new MetadataRequest();
            MetadataRequest.Topic t = new MetadataRequest.Topic();
            t.name = "__consumer_offsets";
            md.topics = List.of(t);
            md.allowAutoTopicCreation = false;
            c.send(ApiKeys.METADATA, (short) 12, 2, md);
            MetadataResponse.Topic offsets = c.<MetadataResponse>receive(ApiKeys.METADATA, (short) 12).body().topics.get(0);
            assertThat(offsets.errorCode == 0 && offsets.partitions.size() == partitions)
                    .as("__consumer_offsets must still be being created when its partition 0 answers (error %s, %s partitions)",
                            offsets.errorCode, offsets.partitions.size())
                    .isFalse();

            TopicPartition tp = new TopicPartition("early", 0);
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(7)));
                assertThat(consumer.committed(java.util.Set.of(tp)).get(tp).offset()).isEqualTo(7);
            }
        }
    }

    /** A FindCoordinator v3 for {@code group} on {@code c} names {@code broker}. */
    private static void assertNamesThisBroker(RawClient c, String group, TestBroker broker) throws Exception {
        FindCoordinatorRequest find = new FindCoordinatorRequest();
        find.key = group;
        find.keyType = 0;
        c.send(ApiKeys.FIND_COORDINATOR, (short) 3, 1, find);
        FindCoordinatorResponse g = c.<FindCoordinatorResponse>receive(ApiKeys.FIND_COORDINATOR, (short) 3).body();
        assertThat(g.errorCode).as("first lookup of %s: %s", group, g.errorMessage).isZero();
        assertThat(g.port).isEqualTo(broker.port());
    }
}
