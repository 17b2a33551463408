package io.runnel.it.group;

import io.runnel.it.BrokerProcess;
import io.runnel.it.Clients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.runnel.it.group.GroupTests.consumerProps;
import static io.runnel.it.group.GroupTests.intOf;
import static io.runnel.it.group.GroupTests.partitions;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Committed offsets live in {@code __consumer_offsets} and must survive the broker going down: stopped cleanly
 * (SIGTERM) or killed (SIGKILL), then started again on the same data, a new consumer in the group resumes
 * exactly at the committed offsets (with their metadata), for two groups, with the last of several commits
 * winning. Then a second round of commits on the restarted broker and a second restart of the same kind. And
 * members that are active while the broker is killed carry on after it comes back.
 */
// broker-side behaviour: one client generation (runnel-it's) is enough
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CommittedOffsetsRestartIT {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 100;

    @TempDir
    Path dir;
    BrokerProcess broker;

    @AfterEach
    void cleanUp() {
        if (broker != null) broker.close();
    }

    private void restart(String how) {
        if (how.equals("sigterm")) {
            int exit = broker.stop();
            assertThat(exit).as("exit status after SIGTERM").isIn(0, 143);
        } else {
            broker.kill9();
            assertThat(broker.isAlive()).isFalse();
        }
        broker.start();
    }

    /** Commits {@code offsets} for {@code group} as a member of it (subscribe, wait for the assignment, commitSync). */
    private void commitAsMember(String group, String topic, Map<Integer, Long> offsets, String metadataTag) {
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        GroupMember m = GroupMember.start(group + "-committer", broker.bootstrap(), consumerProps(group, "classic", "range"), List.of(topic), ownership);
        try {
            GroupTests.await("the committer to get every partition", GroupTests.CONVERGE, () -> m.assignment().size() == PARTITIONS, m::toString);
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((p, o) -> commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(o, metadataTag + "-" + p)));
            m.call(c -> {
                c.commitSync(commit, Duration.ofSeconds(15));
                return null;
            });
        } finally {
            m.close();
        }
        assertThat(m.errors()).isEmpty();
    }

    /** A new member of the group: the first record it gets from each partition must be the committed offset. */
    private void assertResumesAt(String group, String topic, Map<Integer, Long> expected, String context) {
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = GroupTests.committed(admin, group);
            for (Map.Entry<Integer, Long> e : expected.entrySet()) {
                OffsetAndMetadata om = committed.get(new TopicPartition(topic, e.getKey()));
                assertThat(om).as("%s: committed offset of %s-%d (Admin)", context, topic, e.getKey()).isNotNull();
                assertThat(om.offset()).as("%s: committed offset of %s-%d (Admin)", context, topic, e.getKey()).isEqualTo(e.getValue());
            }
        }
        Map<String, Object> props = new HashMap<>(consumerProps(group, "classic", "range"));
        props.put("auto.offset.reset", "none"); // a missing committed offset must fail, not silently start elsewhere
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), props)) {
            c.subscribe(List.of(topic));
            Map<Integer, ConsumerRecord<byte[], byte[]>> first = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (first.size() < expected.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) first.putIfAbsent(r.partition(), r);
            }
            for (Map.Entry<Integer, Long> e : expected.entrySet()) {
                ConsumerRecord<byte[], byte[]> r = first.get(e.getKey());
                assertThat(r).as("%s: a record from partition %d (assignment %s)", context, e.getKey(), c.assignment()).isNotNull();
                assertThat(r.offset()).as("%s: first offset consumed from partition %d", context, e.getKey()).isEqualTo(e.getValue());
                assertThat(intOf(r.value())).isEqualTo(e.getKey() * 1_000_000 + e.getValue().intValue());
            }
            Map<TopicPartition, OffsetAndMetadata> seen = c.committed(java.util.Set.copyOf(partitions(topic, PARTITIONS)), Duration.ofSeconds(15));
            for (Map.Entry<Integer, Long> e : expected.entrySet()) {
                assertThat(seen.get(new TopicPartition(topic, e.getKey())).offset()).isEqualTo(e.getValue());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sigterm", "kill9"})
    void committedOffsetsSurviveARestart(String how) throws Exception {
        broker = new BrokerProcess(dir.resolve("data"), GroupTests.brokerOverrides()).start();
        String topic = "restart-offsets";
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, PER_PARTITION);

        // group g1 commits twice (the second commit wins), g2 once, with other offsets
        commitAsMember("g1", topic, Map.of(0, 5L, 1, 6L, 2, 7L), "old");
        commitAsMember("g1", topic, Map.of(0, 17L, 1, 42L, 2, 99L), "g1");
        commitAsMember("g2", topic, Map.of(0, 1L, 1, 0L, 2, 50L), "g2");
        assertResumesAt("g1", topic, Map.of(0, 17L, 1, 42L, 2, 99L), "before the restart");

        restart(how);
        assertResumesAt("g1", topic, Map.of(0, 17L, 1, 42L, 2, 99L), "g1 after " + how);
        assertResumesAt("g2", topic, Map.of(0, 1L, 1, 0L, 2, 50L), "g2 after " + how);
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> c = GroupTests.committed(admin, "g1");
            assertThat(c.get(new TopicPartition(topic, 1)).metadata()).as("commit metadata after %s", how).isEqualTo("g1-1");
        }

        // the restarted coordinator takes new commits, and they survive the next restart too
        commitAsMember("g1", topic, Map.of(0, 60L, 1, 61L, 2, 62L), "g1b");
        restart(how);
        assertResumesAt("g1", topic, Map.of(0, 60L, 1, 61L, 2, 62L), "g1 after a second " + how);
        assertResumesAt("g2", topic, Map.of(0, 1L, 1, 0L, 2, 50L), "g2 after a second " + how);
    }

    /**
     * Two members that live through the broker being killed: they reconnect, find the reloaded coordinator and
     * carry on where they were, in the same generation (member epochs) with the same partitions, no record again,
     * none skipped; their commits after the restart are accepted and stored. With the classic protocol and, with
     * kafka-clients 4.x only (3.9 lacks it; an assumption skips that case), the KIP-848 consumer protocol.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "consumer"})
    void liveMembersCarryOnAcrossAKill9(String protocol) throws Exception {
        if (protocol.equals("consumer")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(GroupTests.clientSupportsConsumerProtocol(),
                    "group.protocol=consumer needs kafka-clients 4.x; this run uses " + Clients.kafkaVersion());
        }
        broker = new BrokerProcess(dir.resolve("data"), GroupTests.brokerOverrides()).start();
        String topic = "restart-live", group = "live-" + protocol;
        List<TopicPartition> all = partitions(topic, PARTITIONS);
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, PER_PARTITION);
        Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        GroupMember.RecordSink sink = (mm, r) -> seen.computeIfAbsent(intOf(r.value()), k -> new AtomicInteger()).incrementAndGet();
        GroupMember.Ownership ownership = new GroupMember.Ownership();
        Map<String, Object> props = new HashMap<>(consumerProps(group, protocol, "range"));
        props.put("reconnect.backoff.max.ms", 200);
        // kafka-clients 4.x rebootstrap when no broker is reachable (metadata.recovery.strategy=rebootstrap): that
        // empties the client's metadata for a moment, and a classic group leader then sees its topic "change" and
        // rebalances on its own. That is the client's doing (a one-broker Kafka cluster restarting shows the same),
        // so it is turned off here to see whether the coordinator itself keeps the generation.
        props.put("metadata.recovery.strategy", "none");
        List<GroupMember> members = new ArrayList<>();
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            members.add(GroupMember.start("m1", broker.bootstrap(), props, List.of(topic), ownership, sink, true));
            members.add(GroupMember.start("m2", broker.bootstrap(), props, List.of(topic), ownership, sink, true));
            Map<String, Set<TopicPartition>> before = GroupTests.awaitConverged(admin, group, members, all, "before the kill");
            int generation = members.get(0).generation();
            GroupTests.await("the first records", GroupTests.CONVERGE, () -> seen.size() == PARTITIONS * PER_PARTITION, () -> seen.size() + " seen; " + members);
            for (GroupMember m : members) commitSync(m);
            int callbacks = ownership.events().size();

            broker.kill9();
            broker.start();
            GroupTests.produce(broker.bootstrap(), topic, PARTITIONS, PER_PARTITION + 10); // values 0..109 again: 10 new per partition
            GroupTests.await("the records produced after the restart", GroupTests.CONVERGE,
                    () -> seen.size() == PARTITIONS * (PER_PARTITION + 10), () -> seen.size() + " seen; " + members);
            for (GroupMember m : members) commitSync(m);
            Map<String, Set<TopicPartition>> after = GroupTests.awaitConverged(admin, group, members, all, "after the restart");
            assertThat(after).as("assignment after the restart").isEqualTo(before);
            assertThat(members.get(0).generation()).as("generation (member epoch) after the restart").isEqualTo(generation);
            assertThat(ownership.events()).as("rebalance callbacks across the restart; all:%s", ownership).hasSize(callbacks);
        } finally {
            members.forEach(GroupMember::close);
        }
        for (GroupMember m : members) assertThat(m.errors()).as("errors of %s, which lived through the kill", m.name()).isEmpty();
        // values 0..99 of each partition arrive twice (once per produce round), 100..109 once; nothing more
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < PER_PARTITION + 10; i++) {
                int want = i < PER_PARTITION ? 2 : 1;
                AtomicInteger got = seen.get(p * 1_000_000 + i);
                assertThat(got == null ? 0 : got.get()).as("deliveries of record %d of partition %d", i, p).isEqualTo(want);
            }
        }
        try (Admin admin = Clients.admin(broker.bootstrap())) {
            Map<TopicPartition, OffsetAndMetadata> committed = GroupTests.committed(admin, group);
            for (TopicPartition tp : all) {
                assertThat(committed.get(tp).offset()).as("committed offset of %s", tp).isEqualTo(2L * PER_PARTITION + 10);
            }
        }
    }

    private static void commitSync(GroupMember m) {
        m.call(c -> {
            c.commitSync(Duration.ofSeconds(15));
            return null;
        });
    }
}
