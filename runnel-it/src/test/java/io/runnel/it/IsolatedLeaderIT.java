package io.runnel.it;

import io.runnel.common.Errors;
import io.runnel.common.NodeLinkFaults;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.PartitionState;
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
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10: an isolated leader (alive, reachable by its clients, but cut off from the other nodes on every path:
 * Raft, broker &rarr; controller messages, follower fetches; {@link ClusterHarness#isolateCompletely}) stops
 * acknowledging acks=all writes and loses leadership; nothing it acknowledged before is lost, and what it took
 * during the isolation without acknowledging is gone once it rejoins as a follower.
 *
 * <p>Run once with the leader not the active controller (the harder case: only the broker &rarr; controller seam gets
 * it fenced, the quorum itself does not change) and once with the leader the active controller (the others elect a
 * new controller, which fences it).
 *
 * <p>{@code -Disolate.keepControllerPath=true} leaves the broker &rarr; controller messages uncut (Raft and fetches
 * still cut): the leader keeps heartbeating, is never fenced, keeps its leadership, and the test fails at "loses
 * leadership". In-JVM nodes; broker-side behaviour, so kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class IsolatedLeaderIT {
    private static final String TOPIC = "isolated";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PRODUCE_TIMEOUT_MS = 3000;

    /** Kept when a test fails. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @ParameterizedTest(name = "leader is the active controller: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void anIsolatedLeaderStopsAcknowledgingLosesLeadershipAndLosesNothingItAcknowledged(boolean leaderIsController)
            throws Exception {
        Map<String, String> config = new LinkedHashMap<>(ReplicatedClusters.clusterConfig());
        config.put("auto.leader.rebalance.enable", "false"); // the old leader rejoins as a follower and stays one
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3, config).startAll();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<String> acknowledged = new ArrayList<>(); // the value at each acknowledged offset
        int leader;
        int[] others;
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            int controller = admin.describeCluster().controller().get(15, TimeUnit.SECONDS).id();
            leader = leaderIsController ? controller : controller == 1 ? 2 : 1;
            others = new int[2];
            for (int id = 1, i = 0; id <= 3; id++) if (id != leader) others[i++] = id;
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(leader, others[0], others[1])))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            assertThat(ReplicatedClusters.describe(admin, TOPIC, 0).leader().id()).isEqualTo(leader);
            System.out.printf("[isolate] leader %d, active controller %d%n", leader, controller);
        }
        // 1. acks=all writes acknowledged before the isolation
        produceAll(cluster.bootstrap(), "before-", 5, acknowledged);

        // 2. the leader is cut off from both other nodes on all three paths; its clients still reach it
        long isolatedAt = System.nanoTime();
        if (Boolean.getBoolean("isolate.keepControllerPath")) {
            for (int other : others) NodeLinks.cut(leader, other, EnumSet.of(NodeLinkFaults.Path.REPLICA_FETCH));
        } else {
            cluster.isolateCompletely(leader);
        }
        // A follower fetch sent just before the cut may still be parked at the leader (up to replica.fetch.wait.max.ms,
        // 500 ms) and would carry the next record to that follower; let those complete empty first, so the record
        // below stays on the isolated leader only.
        Thread.sleep(1000);

        // 3. the isolated leader takes an acks=all write into its log but never acknowledges it. Why
        // REQUEST_TIMED_OUT: it hears nothing from the quorum, so it still sees itself as leader with the full ISR
        // (not NOT_LEADER_OR_FOLLOWER); its ISR shrink cannot reach the active controller, or (when it is the active
        // controller) cannot be committed without a majority, so the ISR stays at 3 >= min.insync.replicas (not
        // NOT_ENOUGH_REPLICAS); no follower fetches the record, so its high watermark never passes it and the
        // delayed produce expires after the request's timeout.
        ProduceResponse.PartitionResponse answer;
        try (RawClient raw = new RawClient(cluster.port(leader))) {
            raw.send(ApiKeys.PRODUCE, (short) 11, 1, ReplicatedClusters.produceOne(TOPIC, (short) -1, PRODUCE_TIMEOUT_MS, "taken-while-isolated"));
            answer = raw.<ProduceResponse>receive(ApiKeys.PRODUCE, (short) 11).body().responses.get(0).partitionResponses.get(0);
        }
        Errors error = Errors.forCode(answer.errorCode);
        System.out.printf("[isolate] acks=all produce to the isolated leader: %s (base offset %d)%n", error, answer.baseOffset);
        assertThat(error).as("the isolated leader's answer to an acks=all produce").isEqualTo(Errors.REQUEST_TIMED_OUT);
        assertThat(logEnd(leader)).as("the isolated leader took the record into its log").isEqualTo(acknowledged.size() + 1);
        for (int other : others) {
            assertThat(logEnd(other)).as("node %d's log end: the record is on the isolated leader only", other)
                    .isEqualTo(acknowledged.size());
        }

        // 4. the others fence it and elect another in-sync replica; acks=all writes go on there
        String live = cluster.bootstrap(others[0]) + "," + cluster.bootstrap(others[1]);
        int isolated = leader;
        // (the isolated node's own view never shows this: a poll that reaches it just fails the condition)
        awaitOrDescribe("the other nodes elect a new leader of " + tp + " and fence node " + isolated, () -> {
            TopicPartitionInfo p = describeThrough(live);
            return p.leader() != null && !p.leader().isEmpty() && p.leader().id() != isolated
                    && p.isr().stream().noneMatch(n -> n.id() == isolated) && !unfencedBrokers(live).contains(isolated);
        });
        TopicPartitionInfo during = describeThrough(live);
        System.out.printf("[isolate] %d ms after the isolation: leader %d, isr %s, replicas %s%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - isolatedAt), during.leader().id(), ids(during.isr()),
                ids(during.replicas()));
        produceAll(live, "during-", 5, acknowledged);

        // 5. healed, the old leader rejoins as a follower: it truncates what it took alone, and the ISR is full again
        cluster.heal();
        // Every node's own image, the old leader's included: through Admin, the old leader's view before it has
        // caught up (leader itself, full ISR) would pass for the answer.
        awaitOrDescribe("node " + isolated + " unfenced and back in the ISR of " + tp + " on every node", () -> {
            for (int id = 1; id <= 3; id++) {
                MetadataImage image = cluster.server(id).controller().image();
                PartitionState p = image.topic(TOPIC).partition(0);
                if (p.isr().size() != 3 || p.leader() == isolated || image.broker(isolated).fenced()) return false;
            }
            return true;
        });
        TopicPartitionInfo after = describeThrough(live);
        System.out.printf("[isolate] healed: leader %d, isr %s%n", after.leader().id(), ids(after.isr()));
        assertThat(after.leader().id()).as("the old leader rejoined as a follower").isNotEqualTo(isolated);
        int newLeader = after.leader().id();
        ClusterHarness.await(WAIT, "node " + isolated + "'s log ends where the leader's does", () ->
                logEnd(isolated) == logEnd(newLeader));
        assertThat(logEnd(newLeader)).isEqualTo(acknowledged.size());

        // 6. every acknowledged record exactly once, in order; the unacknowledged one is gone
        List<String> log = ReplicatedClusters.values(Clients.readAll(live, List.of(tp), WAIT));
        assertThat(log).as("the partition's log, read from the beginning").isEqualTo(acknowledged)
                .doesNotContain("taken-while-isolated");
    }

    /** {@link ClusterHarness#await}, with every node's view of the partition in the failure message. */
    private void awaitOrDescribe(String what, java.util.function.BooleanSupplier condition) {
        try {
            ClusterHarness.await(WAIT, what, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; now: " + views(), e);
        }
    }

    /** Each node's image of the partition and of the brokers' fencing. */
    private String views() {
        StringBuilder b = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            MetadataImage image = cluster.server(id).controller().image();
            PartitionState p = image.topic(TOPIC).partition(0);
            b.append("node ").append(id).append(": leader ").append(p.leader()).append(" epoch ").append(p.leaderEpoch())
                    .append(" isr ").append(p.isr()).append(" fenced [");
            for (int other = 1; other <= 3; other++) if (image.broker(other).fenced()) b.append(' ').append(other);
            b.append(" ], log end ").append(logEnd(id)).append("; ");
        }
        return b.toString();
    }

    /** Node {@code id}'s log end offset of the partition (in this JVM). */
    private long logEnd(int id) {
        return cluster.server(id).partitions().get(new io.runnel.common.TopicPartition(TOPIC, 0)).log().logEndOffset();
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

    /**
     * The partition as the nodes of {@code bootstrap} describe it, through a new Admin each time: an Admin that
     * once learnt of the isolated node could ask it, and it still describes the partition as before the isolation.
     */
    private static TopicPartitionInfo describeThrough(String bootstrap) {
        try (Admin admin = Clients.admin(bootstrap)) {
            return ReplicatedClusters.describe(admin, TOPIC, 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static java.util.Set<Integer> unfencedBrokers(String bootstrap) {
        try (Admin admin = Clients.admin(bootstrap)) {
            return ClusterIT.brokerIds(admin, false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
