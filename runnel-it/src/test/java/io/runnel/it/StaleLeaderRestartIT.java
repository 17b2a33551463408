package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ProduceRequest;
import io.runnel.protocol.message.ProduceResponse;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restarting broker must not act on the leadership it replays from its local copy of the metadata log (Kafka: a
 * broker serves no partition before its initial metadata catch-up). The leader of a partition is killed (kill -9), the
 * controller fences it and elects another in-sync replica, which takes acks=all writes. The two other nodes are then
 * frozen (SIGSTOP), so the old leader restarts unable to catch up at all: its replayed image still names it leader. As
 * soon as its port accepts, an acks=1 Produce for the partition goes to it, as from a client whose metadata still names
 * it leader: it must not acknowledge it (NOT_LEADER_OR_FOLLOWER, which clients retry). Once the others are resumed it
 * catches up and rejoins; every acknowledged record is in the partition's log at its acknowledged offset.
 *
 * <p>Without the hold, the stale leader appended and acknowledged the record, then truncated it when it caught up (the
 * acknowledged record was lost). Slow (separate JVMs): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class StaleLeaderRestartIT {
    private static final String TOPIC = "stale";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BEFORE = 5;
    private static final int AFTER = 5;

    /** Kept when a test fails: the brokers' logs are there. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            for (int id = 1; id <= cluster.size(); id++) {
                try {
                    if (cluster.running(id)) cluster.process(id).resume();
                } catch (RuntimeException e) {
                    // best effort
                }
            }
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aRestartedLeaderThatHasNotCaughtUpDoesNotAcknowledgeAProduceAsLeader() throws Exception {
        System.out.println("[stale] logs in " + dir);
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, ReplicatedClusters.clusterConfig()).startAll();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<String> acknowledged = new ArrayList<>(); // value at each offset
        int leader;
        int[] others;
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            int controller = admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id();
            leader = controller == 1 ? 2 : 1; // not the active controller: its kill needs no quorum election
            int second = 6 - controller - leader;
            others = new int[]{controller, second};
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(leader, second, controller)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            assertThat(ReplicatedClusters.describe(admin, TOPIC, 0).leader().id()).isEqualTo(leader);
            System.out.println("[stale] leader " + leader + ", active controller " + controller);
            produceAll(cluster.bootstrap(), "before-", BEFORE, acknowledged);

            cluster.kill(leader);
            int killed = leader;
            ClusterHarness.await(WAIT, "a new leader of " + tp, () -> {
                int now = ReplicatedClusters.leaderOf(admin, TOPIC);
                return now >= 0 && now != killed;
            });
            String live = cluster.bootstrap(others[0]) + "," + cluster.bootstrap(others[1]);
            produceAll(live, "after-", AFTER, acknowledged);
        }

        // the others freeze: the restarted node cannot learn anything newer than what it replays
        for (int id : others) cluster.process(id).suspend();
        long launched = System.nanoTime();
        cluster.start(leader); // returns as soon as its port accepts
        System.out.printf("[stale] restarted node %d accepts after %d ms%n", leader,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched));
        ProduceResponse.PartitionResponse answer;
        try (RawClient raw = new RawClient(cluster.port(leader))) {
            raw.send(ApiKeys.PRODUCE, (short) 11, 1, ReplicatedClusters.produceOne(TOPIC, (short) 1, 5000, "to-the-stale-leader"));
            answer = raw.<ProduceResponse>receive(ApiKeys.PRODUCE, (short) 11).body().responses.get(0).partitionResponses.get(0);
        } finally {
            for (int id : others) cluster.process(id).resume();
        }
        Errors error = Errors.forCode(answer.errorCode);
        System.out.println("[stale] acks=1 produce to the restarted node: " + error + " (base offset " + answer.baseOffset
                + ", leader named " + answer.currentLeader.leaderId + ")");

        List<String> log;
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            log = ReplicatedClusters.values(Clients.readAll(cluster.bootstrap(), List.of(tp), WAIT));
        }
        if (error == Errors.NONE) {
            // what a stale leader's acknowledgement means: the record had to be at its offset
            assertThat(answer.baseOffset).as("offset acknowledged by the restarted node").isLessThan(log.size());
            assertThat(log.get((int) answer.baseOffset)).as("the record the restarted node acknowledged at offset %d (log: %s)",
                    answer.baseOffset, log).isEqualTo("to-the-stale-leader");
        }
        assertThat(error).as("the restarted node, not caught up with the metadata log, does not act as leader")
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(log).as("every acknowledged record at its acknowledged offset").isEqualTo(acknowledged);
    }

    /** Produces {@code n} records with acks=all, one at a time, recording each at its acknowledged offset. */
    private static void produceAll(String bootstrap, String prefix, int n, List<String> acknowledged) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < n; i++) {
                RecordMetadata m = p.send(new ProducerRecord<>(TOPIC, 0, null, bytes(prefix + i))).get(30, TimeUnit.SECONDS);
                assertThat(m.offset()).as("offset of %s%d", prefix, i).isEqualTo(acknowledged.size());
                acknowledged.add(prefix + i);
            }
        }
    }



    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
