package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The group coordinator's broker killed with SIGKILL while a consumer group (two members, each committing after every
 * poll) consumes: with {@code __consumer_offsets} replicated three times, another broker takes over the group's
 * offsets partition and the group carries on there. No committed offset goes back: the offsets stored for the group
 * never fall below an offset a commit acknowledged before, every member that is assigned a partition starts at or
 * after the last commit acknowledged for it, and at the end the group has consumed and committed every record.
 *
 * <p>Slow (separate JVMs): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class GroupCoordinatorFailoverIT {
    private static final String TOPIC = "coord-failover";
    private static final String GROUP = "coord-failover-group";
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 2000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Kept when a test fails: the brokers' logs are there. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void theGroupContinuesWithItsCommittedOffsetsOnTheNewCoordinator() throws Exception {
        System.out.println("[coordinator] logs in " + dir);
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, ReplicatedClusters.clusterConfig()).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
                for (int part = 0; part < PARTITIONS; part++) {
                    for (int i = 0; i < PER_PARTITION; i++) {
                        sent.add(p.send(new ProducerRecord<>(TOPIC, part, null, (part + "-" + i).getBytes(StandardCharsets.UTF_8))));
                    }
                }
                for (var f : sent) f.get(60, TimeUnit.SECONDS);
            }

            Map<Integer, Long> ackedCommit = new ConcurrentHashMap<>();      // partition -> highest acknowledged commit
            List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
            Set<String> consumed = ConcurrentHashMap.newKeySet();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> members = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int m = 0; m < 2; m++) {
                String name = "member-" + m;
                Thread t = new Thread(() -> {
                    try {
                        consume(name, running, ackedCommit, violations, consumed);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, name);
                t.start();
                members.add(t);
            }
            ClusterHarness.await(WAIT, "the group commits", () -> ackedCommit.values().stream().mapToLong(Long::longValue).sum() > 300);

            int coordinator = admin.describeConsumerGroups(List.of(GROUP)).all().get(15, TimeUnit.SECONDS).get(GROUP).coordinator().id();
            long before = ackedCommit.values().stream().mapToLong(Long::longValue).sum();
            System.out.println("[coordinator] killing broker " + coordinator + ", the group's coordinator, after " + before
                    + " committed; commits " + ackedCommit);
            cluster.kill(coordinator);
            Map<Integer, Long> atKill = new HashMap<>(ackedCommit);

            // the group goes on: commits move past where they were, on another coordinator
            ClusterHarness.await(WAIT, "commits continue after the kill", () -> ackedCommit.values().stream().mapToLong(Long::longValue).sum()
                    > before + 600);
            int next = admin.describeConsumerGroups(List.of(GROUP)).all().get(15, TimeUnit.SECONDS).get(GROUP).coordinator().id();
            System.out.println("[coordinator] new coordinator " + next + "; commits " + ackedCommit);
            assertThat(next).isNotEqualTo(coordinator);
            Map<TopicPartition, OffsetAndMetadata> stored = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(15, TimeUnit.SECONDS);
            atKill.forEach((p, o) -> assertThat(stored.get(new TopicPartition(TOPIC, p)).offset())
                    .as("partition %d: the committed offset does not go back from %d", p, o).isGreaterThanOrEqualTo(o));

            cluster.start(coordinator);
            ClusterHarness.await(Duration.ofSeconds(90), "every record consumed and committed", () ->
                    ackedCommit.values().stream().mapToLong(Long::longValue).sum() == (long) PARTITIONS * PER_PARTITION);
            running.set(false);
            for (Thread t : members) t.join(30_000);
            assertThat(failures).isEmpty();
            assertThat(violations).as("a member started a partition before its last acknowledged commit").isEmpty();
            assertThat(consumed).hasSize(PARTITIONS * PER_PARTITION);
            Map<TopicPartition, OffsetAndMetadata> end = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(15, TimeUnit.SECONDS);
            for (int p = 0; p < PARTITIONS; p++) assertThat(end.get(new TopicPartition(TOPIC, p)).offset()).isEqualTo(PER_PARTITION);
        }
    }

    /** One member: polls a little at a time, commits synchronously after each poll and on revocation. */
    private void consume(String name, AtomicBoolean running, Map<Integer, Long> ackedCommit, List<String> violations, Set<String> consumed) {
        Map<TopicPartition, Long> next = new HashMap<>();      // position after the last record read, since assignment
        Map<TopicPartition, Boolean> fresh = new HashMap<>();  // assigned, nothing read yet
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(cluster.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000, ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5000))) {
            c.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit(c, next, ackedCommit, partitions);
                    partitions.forEach(next::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    for (TopicPartition tp : partitions) fresh.put(tp, true);
                }
            });
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (fresh.remove(tp) != null) {
                        long acked = ackedCommit.getOrDefault(r.partition(), 0L);
                        if (r.offset() < acked) {
                            violations.add(name + " started " + tp + " at " + r.offset() + ", below the acknowledged commit " + acked);
                        }
                    }
                    next.put(tp, r.offset() + 1);
                    consumed.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                commit(c, next, ackedCommit, next.keySet());
                try {
                    Thread.sleep(100); // about 200 records a second per member: the run spans the fault
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void commit(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> next, Map<Integer, Long> ackedCommit,
                               Collection<TopicPartition> which) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : which) {
            Long o = next.get(tp);
            if (o != null) offsets.put(tp, new OffsetAndMetadata(o));
        }
        if (offsets.isEmpty()) return;
        try {
            c.commitSync(offsets, Duration.ofSeconds(30));
            offsets.forEach((tp, o) -> ackedCommit.merge(tp.partition(), o.offset(), Math::max));
        } catch (RuntimeException e) {
            // not acknowledged (a rebalance or the coordinator moving): the next commit or the new owner covers it
        }
    }
}
