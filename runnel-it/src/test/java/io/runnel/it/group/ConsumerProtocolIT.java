package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.runnel.it.group.GroupTests.CONVERGE;
import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.awaitConverged;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.intOf;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The KIP-848 consumer protocol ({@code group.protocol=consumer}, ConsumerGroupHeartbeat) with the kafka-clients
 * 4.x consumer: subscribe and consume, a second member joining (the broker's assignor splits the partitions; a
 * partition moves only once its owner revoked it), commits from both, the first member leaving, and the group
 * as Admin describes it (type Consumer, assignor, members, state). Both server-side assignors run.
 *
 * <p>kafka-clients 3.9 has no {@code group.protocol=consumer} (its KIP-848 client was an unusable early access),
 * so with 3.9 the whole class is skipped by an assumption, for that reason only.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsumerProtocolIT {
    private static final int PARTITIONS = 6;
    private static final int PER_PARTITION = 50;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        broker = TestBroker.start(dir.resolve("broker"), GroupTests.brokerOverrides());
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    private static void commitSync(GroupMember m) {
        m.call(c -> {
            c.commitSync(Duration.ofSeconds(15));
            return null;
        });
    }

    private static void assertCommitted(String group, List<TopicPartition> all, long offset, String context) {
        Map<TopicPartition, OffsetAndMetadata> committed = GroupTests.committed(admin, group);
        for (TopicPartition tp : all) {
            assertThat(committed.get(tp)).as("%s: committed offset of %s", context, tp).isNotNull();
            assertThat(committed.get(tp).offset()).as("%s: committed offset of %s", context, tp).isEqualTo(offset);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uniform", "range"})
    @SuppressWarnings("deprecation") // ConsumerGroupDescription.state(): groupState() does not exist in 3.9, which compiles this too
    void subscribeConsumeRebalanceCommit(String assignor) {
        String group = "kip848-" + assignor;
        String topic = "kip848-" + assignor;
        broker.createTopic(topic, PARTITIONS);
        List<TopicPartition> all = partitions(topic, PARTITIONS);
        GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, PER_PARTITION);

        Map<String, Object> props = new HashMap<>(consumerProps(group, "consumer", null));
        props.put("group.remote.assignor", assignor);
        Map<Integer, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        GroupMember.RecordSink sink = (m, r) -> deliveries.computeIfAbsent(intOf(r.value()), k -> new AtomicInteger()).incrementAndGet();
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        List<GroupMember> members = new ArrayList<>();
        try {
            GroupMember m1 = GroupMember.start("m1", broker.bootstrap(), props, List.of(topic), ownership, sink, true);
            members.add(m1);
            awaitConverged(admin, group, members, all, "m1 alone");
            await("the first " + PARTITIONS * PER_PARTITION + " records", CONVERGE, () -> deliveries.size() == PARTITIONS * PER_PARTITION,
                    () -> deliveries.size() + " delivered");
            commitSync(m1);
            assertCommitted(group, all, PER_PARTITION, "after m1's commit");

            ConsumerGroupDescription d = GroupTests.describe(admin, group);
            assertThat(d.type()).isEqualTo(GroupType.CONSUMER);
            assertThat(d.state()).isEqualTo(ConsumerGroupState.STABLE);
            assertThat(d.partitionAssignor()).isEqualTo(assignor);
            assertThat(d.isSimpleConsumerGroup()).isFalse();
            assertThat(d.members()).singleElement().satisfies(md -> {
                assertThat(md.consumerId()).isEqualTo(m1.memberId());
                assertThat(md.clientId()).isEqualTo("m1");
                assertThat(md.assignment().topicPartitions()).containsExactlyInAnyOrderElementsOf(all);
            });

            // a second member: the broker splits the partitions between the two
            GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, 2 * PER_PARTITION); // values 0..99 of each partition again
            GroupMember m2 = GroupMember.start("m2", broker.bootstrap(), props, List.of(topic), ownership, sink, true);
            members.add(m2);
            Map<String, Set<TopicPartition>> split = awaitConverged(admin, group, members, all, "m1 and m2");
            assertThat(split.get("m1")).hasSize(PARTITIONS / 2);
            assertThat(split.get("m2")).hasSize(PARTITIONS / 2);
            if (assignor.equals("range")) {
                for (Set<TopicPartition> s : split.values()) {
                    TreeSet<Integer> ps = new TreeSet<>();
                    s.forEach(tp -> ps.add(tp.partition()));
                    assertThat(ps.last() - ps.first()).as("range assigns contiguous partitions: %s", split).isEqualTo(PARTITIONS / 2 - 1);
                }
            }
            await("all records delivered", CONVERGE, () -> deliveries.size() == PARTITIONS * 2 * PER_PARTITION,
                    () -> deliveries.size() + " distinct delivered; " + members);
            commitSync(m1);
            commitSync(m2);
            assertCommitted(group, all, 3L * PER_PARTITION, "after both members committed");

            // m1 leaves: m2 gets everything
            members.remove(m1);
            m1.close();
            assertThat(m1.errors()).isEmpty();
            awaitConverged(admin, group, members, all, "m2 alone after m1 left");
        } finally {
            members.forEach(GroupMember::close);
        }
        for (GroupMember m : members) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        // the first produce round's values were delivered twice in total (two rounds), each round exactly once
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < 2 * PER_PARTITION; i++) {
                AtomicInteger n = deliveries.get(p * 1_000_000 + i);
                assertThat(n == null ? 0 : n.get()).as("deliveries of value %d of partition %d", i, p).isEqualTo(i < PER_PARTITION ? 2 : 1);
            }
        }
        assertCommitted(group, all, 3L * PER_PARTITION, "after both members left");
        ConsumerGroupDescription after = GroupTests.describe(admin, group);
        assertThat(after.state()).isEqualTo(ConsumerGroupState.EMPTY);
        assertThat(after.members()).isEmpty();
    }
}
