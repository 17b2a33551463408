package io.runnel.it;

import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Transactions in a three-node cluster (in this JVM) whose partitions are led by every broker: the transaction
 * coordinator writes the markers of partitions led elsewhere with WriteTxnMarkers to their leaders, so commits and
 * aborts complete, the last stable offsets reach the high watermarks, read_committed readers see exactly the committed
 * records, and transactional offsets into a {@code __consumer_offsets} partition led by another broker are applied.
 * Without inter-broker markers the transactions never complete (the LSO stays behind and the next transaction gets
 * CONCURRENT_TRANSACTIONS until it times out). Every run goes through the history checker.
 */
// 3.9 runs transactions without KIP-890 (TV1), 4.1 with it (TV2); 4.4 takes 4.1's path
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "(3\\.9|4\\.1)\\..*")
@Timeout(240)
class ClusterTransactionsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "spread";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    void commitsAndAbortsAcrossPartitionsLedByEveryBroker() throws Exception {
        startClusterWithSpreadTopic();
        HistoryRecorder h = new HistoryRecorder();
        try (Admin admin = Clients.admin(cluster.bootstrap());
             KafkaProducer<byte[], byte[]> p = txnProducer("spread-txn")) {
            p.initTransactions();
            int txnCoordinator = admin.describeTransactions(List.of("spread-txn")).description("spread-txn")
                    .get(30, TimeUnit.SECONDS).coordinatorId();
            String group = groupCoordinatedElsewhere(admin, txnCoordinator);
            Map<TopicPartition, OffsetAndMetadata> lastCommitted = null;
            for (int t = 0; t < 8; t++) {
                boolean commit = t % 2 == 0;
                String txn = "t" + t;
                p.beginTransaction();
                send(p, h, txn, t);
                Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition(TOPIC, 0),
                        new OffsetAndMetadata(100 + t));
                p.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(group));
                if (commit) {
                    p.commitTransaction();
                    h.commit("producer", txn);
                    lastCommitted = offsets;
                } else {
                    p.abortTransaction();
                    h.abort("producer", txn);
                }
            }
            awaitStable(admin);
            // RequireStable: answered only once the marker into the group's partition (led elsewhere) was applied
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group,
                    new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(committed).as("the group's offsets are the last committed transaction's").isEqualTo(lastCommitted);
        }
        List<String> read = readCommitted(h, "reader");
        List<String> expected = new ArrayList<>();
        for (int t = 0; t < 8; t += 2) for (int part = 0; part < PARTITIONS; part++) for (int i = 0; i < 5; i++) expected.add(value(t, part, i));
        assertThat(read).as("read_committed sees every committed record once and nothing aborted").containsExactlyInAnyOrderElementsOf(expected);
        Histories.assertNoAnomaly("cluster transactions", h.history());
    }

    @Test
    void markersFollowAPartitionLeaderThatMoves() throws Exception {
        startClusterWithSpreadTopic();
        HistoryRecorder h = new HistoryRecorder();
        try (Admin admin = Clients.admin(cluster.bootstrap());
             KafkaProducer<byte[], byte[]> p = txnProducer("moving-txn")) {
            p.initTransactions();
            int txnCoordinator = admin.describeTransactions(List.of("moving-txn")).description("moving-txn")
                    .get(30, TimeUnit.SECONDS).coordinatorId();
            int moved = -1;
            for (int part = 0; part < PARTITIONS && moved < 0; part++) {
                int leader = describe(admin).partitions().get(part).leader().id();
                if (leader != txnCoordinator) moved = leader;
            }
            p.beginTransaction();
            send(p, h, "t0", 0);
            // the leader of a partition of the open transaction goes away (a controlled shutdown): the marker goes
            // to the partition's new leader
            cluster.stop(moved);
            p.commitTransaction();
            h.commit("producer", "t0");
            p.beginTransaction();
            send(p, h, "t1", 1);
            p.abortTransaction();
            h.abort("producer", "t1");
            cluster.start(moved);
            p.beginTransaction();
            send(p, h, "t2", 2);
            p.commitTransaction();
            h.commit("producer", "t2");
            awaitStable(admin);
        }
        List<String> read = readCommitted(h, "reader");
        List<String> expected = new ArrayList<>();
        for (int t : new int[]{0, 2}) for (int part = 0; part < PARTITIONS; part++) for (int i = 0; i < 5; i++) expected.add(value(t, part, i));
        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
        Histories.assertNoAnomaly("cluster transactions, leader moved", h.history());
    }

    /** Three nodes; the topic's partition p led by broker p + 1 (the first replica leads a new partition). */
    private void startClusterWithSpreadTopic() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3,
                Map.of("replica.lag.time.max.ms", "5000", "broker.session.timeout.ms", "6000")).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ClusterHarness.await(WAIT, "three unfenced brokers", () -> {
                try {
                    return ClusterIT.brokerIds(admin, false).size() == 3;
                } catch (Exception e) {
                    return false;
                }
            });
            Map<Integer, List<Integer>> assignment = new HashMap<>();
            for (int part = 0; part < PARTITIONS; part++) {
                assignment.put(part, List.of(part + 1, (part + 1) % 3 + 1, (part + 2) % 3 + 1));
            }
            admin.createTopics(List.of(new NewTopic(TOPIC, assignment))).all().get(30, TimeUnit.SECONDS);
            ClusterHarness.await(WAIT, "partition p led by broker p + 1 with three in-sync replicas", () -> {
                try {
                    List<TopicPartitionInfo> ps = describe(admin).partitions();
                    for (TopicPartitionInfo pi : ps) {
                        if (pi.leader() == null || pi.leader().id() != pi.partition() + 1 || pi.isr().size() != 3) return false;
                    }
                    return ps.size() == PARTITIONS;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return ReplicatedClusters.describeTopic(admin, TOPIC);
    }

    /**
     * A group id whose coordinator (the leader of its partition of __consumer_offsets, abs(hash) % partitions) is not
     * {@code broker}, so the offsets' marker crosses brokers.
     */
    private static String groupCoordinatedElsewhere(Admin admin, int broker) throws Exception {
        admin.listConsumerGroupOffsets("spread-probe").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS); // creates the topic
        List<TopicPartitionInfo> offsets = ReplicatedClusters.describeTopic(admin, "__consumer_offsets").partitions();
        for (int i = 0; i < 100; i++) {
            String g = "spread-group-" + i;
            TopicPartitionInfo pi = offsets.get((g.hashCode() & 0x7fffffff) % offsets.size());
            if (pi.leader() != null && pi.leader().id() != broker) return g;
        }
        throw new AssertionError("every group is coordinated by broker " + broker);
    }

    private KafkaProducer<byte[], byte[]> txnProducer(String id) {
        return Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000));
    }

    private static String value(int txn, int partition, int i) {
        return "t" + txn + "-p" + partition + "-" + i;
    }

    /** Five records into every partition, recorded with the offsets they were acknowledged at. */
    private static void send(KafkaProducer<byte[], byte[]> p, HistoryRecorder h, String txn, int t) throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int part = 0; part < PARTITIONS; part++) {
            for (int i = 0; i < 5; i++) {
                String v = value(t, part, i);
                values.add(v);
                acks.add(p.send(new ProducerRecord<>(TOPIC, part, null, v.getBytes(StandardCharsets.UTF_8))));
            }
        }
        p.flush();
        for (int i = 0; i < acks.size(); i++) {
            RecordMetadata md = acks.get(i).get(60, TimeUnit.SECONDS);
            h.sendOk("producer", txn, TOPIC, md.partition(), md.offset(), values.get(i));
        }
    }

    /** Every partition's last stable offset reaches its high watermark: every marker is written. */
    private void awaitStable(Admin admin) {
        List<TopicPartition> tps = partitions();
        ClusterHarness.await(WAIT, "every last stable offset at the high watermark", () -> {
            try (KafkaConsumer<byte[], byte[]> rc = Clients.consumer(cluster.bootstrap(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
                 KafkaConsumer<byte[], byte[]> ru = Clients.consumer(cluster.bootstrap())) {
                return rc.endOffsets(tps, Duration.ofSeconds(10)).equals(ru.endOffsets(tps, Duration.ofSeconds(10)));
            }
        });
    }

    private List<String> readCommitted(HistoryRecorder h, String process) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(cluster.bootstrap(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> tps = partitions();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("read_committed reached the LSOs %s", ends).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String v = new String(r.value(), StandardCharsets.UTF_8);
                    h.poll(process, null, true, r.topic(), r.partition(), r.offset(), v);
                    out.add(v);
                }
            }
        }
        return out;
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> tps = new ArrayList<>();
        for (int part = 0; part < PARTITIONS; part++) tps.add(new TopicPartition(TOPIC, part));
        return tps;
    }
}
