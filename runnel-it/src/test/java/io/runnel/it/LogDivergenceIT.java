package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log divergence with real processes (KIP-101/KIP-279 truncation, KIP-320 detection by the consumer): a leader takes
 * acks=1 writes while its only follower is frozen (SIGSTOP), so only the leader has them; the ISR shrinks to the
 * leader, its high watermark passes the writes and a consumer reads them. The leader is then killed, the follower
 * resumed and elected uncleanly, and writes at the new epoch follow. The consumer, positioned past the new leader's
 * end of the old epoch, gets kafka-clients' LogTruncationException (auto.offset.reset=none) naming the first
 * diverging offset (where the new epoch starts: a follower fetch in flight when the follower froze may have brought it
 * the first acks=1 records, which then survive); the old leader, restarted, truncates its acks=1 tail, rejoins the ISR and, made leader again by a
 * preferred election, serves exactly the new leader's log.
 *
 * <p>Slow (separate JVMs): kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class LogDivergenceIT {
    private static final String TOPIC = "diverge";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int COMMITTED = 10;
    private static final int LOST = 20;
    private static final int AFTER = 3;

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
    void acksOneWritesOnlyTheLeaderHadAreTruncatedAndTheConsumerDetectsIt() throws Exception {
        System.out.println("[diverge] logs in " + dir);
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, ReplicatedClusters.clusterConfig()).startAll();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            // two replicas, neither the active controller: freezing one and killing the other leaves the quorum working
            int controller = admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id();
            int follower = controller == 1 ? 2 : 1;
            int leader = 6 - controller - follower; // the third node: neither fault hits the active controller
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(leader, follower))))).all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            assertThat(ReplicatedClusters.describe(admin, TOPIC, 0).leader().id()).isEqualTo(leader);
            System.out.println("[diverge] leader " + leader + ", follower " + follower + ", active controller " + controller);

            try (KafkaProducer<byte[], byte[]> all = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < COMMITTED; i++) all.send(new ProducerRecord<>(TOPIC, 0, null, bytes("committed-" + i))).get(30, TimeUnit.SECONDS);
            }
            long divergentOffset;
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(),
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none", ConsumerConfig.METADATA_MAX_AGE_CONFIG, 2000))) {
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                assertThat(Clients.pollUntil(consumer, COMMITTED, WAIT, false)).hasSize(COMMITTED);

                // only the leader gets these: its follower is frozen
                cluster.process(follower).suspend();
                try (KafkaProducer<byte[], byte[]> one = Clients.producer(cluster.bootstrap(leader), Map.of(ProducerConfig.ACKS_CONFIG, "1",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
                    for (int i = 0; i < LOST; i++) one.send(new ProducerRecord<>(TOPIC, 0, null, bytes("acks1-" + i))).get(30, TimeUnit.SECONDS);
                }
                // the ISR shrinks to the leader, whose high watermark then covers the acks=1 writes: the consumer reads them
                List<ConsumerRecord<byte[], byte[]>> tail = Clients.pollUntil(consumer, LOST, WAIT, false);
                assertThat(tail).as("the acks=1 writes, readable once the ISR is the leader alone").hasSize(LOST);
                assertThat(consumer.position(tp)).isEqualTo(COMMITTED + LOST);

                // the leader dies; the follower comes back and is elected although it is not in the ISR
                cluster.kill(leader);
                cluster.process(follower).resume();
                ClusterHarness.await(WAIT, "broker " + follower + " unfenced", () -> {
                    try {
                        return ClusterIT.brokerIds(admin, false).contains(follower);
                    } catch (Exception e) {
                        return false;
                    }
                });
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
                        new AlterConfigOp(new ConfigEntry("unclean.leader.election.enable", "true"), AlterConfigOp.OpType.SET))))
                        .all().get(30, TimeUnit.SECONDS);
                ClusterHarness.await(WAIT, "broker " + follower + " leads " + tp, () -> ReplicatedClusters.leaderOf(admin, TOPIC) == follower);
                try (KafkaProducer<byte[], byte[]> all = Clients.producer(cluster.bootstrap(follower), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                    for (int i = 0; i < AFTER; i++) all.send(new ProducerRecord<>(TOPIC, 0, null, bytes("new-epoch-" + i))).get(30, TimeUnit.SECONDS);
                }

                // KIP-320: the consumer validates its position against the new leader and finds it past the old epoch's end
                LogTruncationException truncation = null;
                long deadline = System.nanoTime() + WAIT.toNanos();
                List<ConsumerRecord<byte[], byte[]>> wrongly = new ArrayList<>();
                while (truncation == null && System.nanoTime() < deadline) {
                    try {
                        consumer.poll(Duration.ofMillis(200)).forEach(wrongly::add);
                    } catch (LogTruncationException e) {
                        truncation = e;
                    }
                }
                assertThat(truncation).as("LogTruncationException from poll (records read instead: %d)", wrongly.size()).isNotNull();
                assertThat(wrongly).as("nothing read from the new epoch at the old position").isEmpty();
                OffsetAndMetadata divergent = truncation.divergentOffsets().get(tp);
                System.out.println("[diverge] consumer at " + truncation.offsetOutOfRangePartitions() + " told: " + truncation.getMessage());
                assertThat(divergent).as("the first diverging offset of %s", tp).isNotNull();
                divergentOffset = divergent.offset();

                consumer.seek(tp, divergentOffset);
                List<ConsumerRecord<byte[], byte[]>> fresh = Clients.pollUntil(consumer, AFTER, WAIT, false);
                assertThat(ReplicatedClusters.values(fresh)).containsExactly("new-epoch-0", "new-epoch-1", "new-epoch-2");
            }

            // the old leader rejoins as a follower: it drops its acks=1 tail and catches up
            cluster.start(leader);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            List<String> fromNewLeader = ReplicatedClusters.values(Clients.readAll(cluster.bootstrap(follower), List.of(tp), WAIT));
            int oldLeader = leader;
            ClusterHarness.await(WAIT, "preferred election moves " + tp + " back to broker " + oldLeader, () -> {
                try {
                    admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).all().get(15, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // ELECTION_NOT_NEEDED once it leads; otherwise try again
                }
                return ReplicatedClusters.leaderOf(admin, TOPIC) == oldLeader;
            });
            List<String> fromOldLeader = ReplicatedClusters.values(Clients.readAll(cluster.bootstrap(leader), List.of(tp), WAIT));
            // the new leader has the committed records, the acks=1 records a fetch already in flight when its broker froze
            // brought it (possibly none), then the new epoch's; the consumer was told the new epoch's start
            int kept = fromNewLeader.indexOf("new-epoch-0") - COMMITTED;
            System.out.println("[diverge] the new leader kept " + kept + " of the " + LOST + " acks=1 records; first diverging offset "
                    + divergentOffset);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < COMMITTED; i++) expected.add("committed-" + i);
            for (int i = 0; i < kept; i++) expected.add("acks1-" + i);
            for (int i = 0; i < AFTER; i++) expected.add("new-epoch-" + i);
            assertThat(kept).as("acks=1 records truncated").isBetween(0, LOST - 1);
            assertThat(fromNewLeader).isEqualTo(expected);
            assertThat(divergentOffset).as("the first diverging offset: where the new epoch starts").isEqualTo(COMMITTED + kept);
            assertThat(fromOldLeader).as("the old leader's log, truncated and caught up, equals the new leader's").isEqualTo(expected);
        }
    }


    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
