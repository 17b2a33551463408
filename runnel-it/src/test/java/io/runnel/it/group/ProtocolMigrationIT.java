package io.runnel.it.group;

import io.runnel.it.Clients;
import io.runnel.it.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.runnel.it.group.GroupTests.await;
import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.intBytes;
import static io.runnel.it.group.GroupTests.intOf;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rolling upgrade of a kafka-clients 4.x application from group.protocol=classic to consumer, with the
 * broker's default group.consumer.migration.policy (bidirectional): two classic consumers (default assignors)
 * consume a numbered stream; one is closed and restarted with the consumer protocol, which converts the
 * classic group online into a consumer group whose remaining classic member keeps working through
 * JoinGroup/SyncGroup/Heartbeat; then the other is restarted the same way. Members commit synchronously in
 * onPartitionsRevoked only (as ExactlyOnceRebalanceIT), so every record must be delivered exactly once, and
 * the group must end as a consumer-protocol group.
 *
 * <p>kafka-clients 4.x only: 3.9 has no group.protocol=consumer (an assumption skips the test there).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProtocolMigrationIT {
    private static final int PARTITIONS = 6;

    @TempDir
    static Path dir;
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dir.resolve("broker"), GroupTests.brokerOverrides());
        admin = Clients.admin(broker.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    @Test
    void rollingUpgradeFromClassicToConsumerProtocol() throws Exception {
        Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        String topic = "migration", group = "migration";
        broker.createTopic(topic, PARTITIONS);
        List<TopicPartition> all = partitions(topic, PARTITIONS);

        Map<Integer, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> deliveryLog = new ConcurrentLinkedQueue<>();
        AtomicInteger delivered = new AtomicInteger();
        GroupMember.RecordSink sink = (m, r) -> {
            int v = intOf(r.value());
            deliveries.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet();
            deliveryLog.add(v + " by " + m.name() + " at " + r.partition() + "/" + r.offset());
            delivered.incrementAndGet();
        };
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        List<GroupMember> members = new ArrayList<>();
        List<GroupMember> closed = new ArrayList<>();
        Map<String, Object> classic = consumerProps(group, "classic", null);
        Map<String, Object> consumer = consumerProps(group, "consumer", null);

        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger produced = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> produceErrors = new ConcurrentLinkedQueue<>();
        Thread producer = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                int i = 0;
                while (producing.get()) {
                    for (int k = 0; k < 20; k++, i++) {
                        p.send(new ProducerRecord<>(topic, i % PARTITIONS, null, intBytes(i)), (md, e) -> {
                            if (e != null) produceErrors.add(e);
                        });
                    }
                    produced.set(i);
                    Thread.sleep(20);
                }
                p.flush();
            } catch (Throwable t) {
                produceErrors.add(t);
            }
        }, "migration-producer");
        producer.setDaemon(true);

        ConsumerGroupDescription end;
        try {
            members.add(GroupMember.start("classic-1", broker.bootstrap(), classic, List.of(topic), ownership, sink, true));
            members.add(GroupMember.start("classic-2", broker.bootstrap(), classic, List.of(topic), ownership, sink, true));
            producer.start();
            awaitShared(members, all, "both classic members consume");
            awaitProgress(delivered, members, "both classic members consume");
            assertThat(GroupTests.describe(admin, group).type()).isEqualTo(GroupType.CLASSIC);

            // rolling restart, one member at a time, each while records flow
            for (int i = 1; i <= 2; i++) {
                GroupMember old = members.remove(0);
                old.close();
                closed.add(old);
                members.add(GroupMember.start("consumer-" + i, broker.bootstrap(), consumer, List.of(topic), ownership, sink, true));
                awaitShared(members, all, "after restarting member " + i + " with group.protocol=consumer");
                awaitProgress(delivered, members, "after restarting member " + i + " with group.protocol=consumer");
                await("the group converted to the consumer protocol", Duration.ofSeconds(30),
                        () -> GroupTests.describe(admin, group).type() == GroupType.CONSUMER,
                        () -> String.valueOf(GroupTests.describe(admin, group)));
            }
            producing.set(false);
            producer.join(30_000);
            assertThat(producer.isAlive()).isFalse();
            assertThat(produceErrors).as("produce errors").isEmpty();
            int total = produced.get();
            await("all " + total + " records delivered", Duration.ofSeconds(60), () -> deliveries.size() >= total,
                    () -> deliveries.size() + " distinct of " + total + ", members " + members);
            end = GroupTests.describe(admin, group);
        } finally {
            producing.set(false);
            for (GroupMember m : members) {
                m.close();
                closed.add(m);
            }
        }

        assertThat(end.type()).isEqualTo(GroupType.CONSUMER);
        assertThat(end.members()).hasSize(2);
        int total = produced.get();
        Map<TopicPartition, Long> ends = GroupTests.endOffsets(admin, all);
        assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).as("records in the log").isEqualTo(total);
        List<String> problems = new ArrayList<>();
        for (int v = 0; v < total && problems.size() < 20; v++) {
            AtomicInteger c = deliveries.get(v);
            if (c == null) problems.add(v + " never delivered");
            else if (c.get() != 1) {
                int vv = v;
                problems.add(v + " delivered " + c.get() + " times: " + deliveryLog.stream().filter(s -> s.startsWith(vv + " by ")).toList());
            }
        }
        assertThat(problems).as("records not delivered exactly once (of %d); callbacks:%s", total, ownership).isEmpty();
        assertThat(delivered.get()).as("deliveries").isEqualTo(total);
        for (GroupMember m : closed) assertThat(m.errors()).as("errors of %s", m.name()).isEmpty();
        assertThat(ownership.violations()).as("moments with two owners of a partition; callbacks:%s", ownership).isEmpty();
        Map<TopicPartition, OffsetAndMetadata> committed = GroupTests.committed(admin, group);
        for (TopicPartition tp : all) {
            assertThat(committed.get(tp)).as("committed offset of %s", tp).isNotNull();
            assertThat(committed.get(tp).offset()).as("committed offset of %s", tp).isEqualTo(ends.get(tp));
        }
        assertThat(GroupTests.describe(admin, group).type()).isEqualTo(GroupType.CONSUMER);
    }

    /** Waits until every member runs without errors and holds some partitions, together each exactly once. */
    private static void awaitShared(List<GroupMember> members, List<TopicPartition> all, String what) {
        await("partitions shared by all members: " + what, GroupTests.CONVERGE, () -> {
            Map<String, java.util.Set<TopicPartition>> own = new java.util.TreeMap<>();
            for (GroupMember m : members) {
                if (!m.errors().isEmpty()) throw new AssertionError(what + ": " + m.name() + " failed", m.errors().get(0));
                if (m.assignment().isEmpty()) return false;
                own.put(m.name(), m.assignment());
            }
            return GroupTests.isExactCover(own, all);
        }, () -> String.valueOf(members));
    }

    private static void awaitProgress(AtomicInteger delivered, List<GroupMember> members, String what) {
        int mark = delivered.get();
        await("progress: " + what, Duration.ofSeconds(45), () -> delivered.get() >= mark + 300,
                () -> delivered.get() + " delivered, members " + members);
    }
}
