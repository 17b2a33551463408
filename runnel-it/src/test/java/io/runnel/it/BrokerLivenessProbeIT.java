package io.runnel.it;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeClusterRequest;
import io.runnel.protocol.message.DescribeClusterResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's liveness probe (broker.liveness.probe.enable, docs/cluster.md "Broker lifecycle") with real
 * processes: three combined nodes with a 30 s broker.session.timeout.ms. A broker paused with SIGSTOP (its port still
 * accepts connections) stays unfenced well past its heartbeat interval; the SIGKILLed leader of a partition (its port
 * refuses) is fenced and the partition's leadership moves within 15 s, half the session timeout, and an acks=all
 * write to the new leader succeeds.
 *
 * <p>Separate JVMs: kafka-clients 4.1 only.
 */
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class BrokerLivenessProbeIT {
    private static final String TOPIC = "probed";
    private static final int SESSION_MS = 30_000;
    private static final int HEARTBEAT_MS = 1000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledLeaderIsFencedLongBeforeItsSessionExpiresButAPausedBrokerIsNot() throws Exception {
        cluster = ClusterHarness.create(ClusterHarness.Mode.PROCESS, dir, 3, Map.of(
                "broker.session.timeout.ms", Integer.toString(SESSION_MS),
                "broker.heartbeat.interval.ms", Integer.toString(HEARTBEAT_MS))).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            ReplicatedClusters.awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get(30, TimeUnit.SECONDS);
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);
            int leader = ReplicatedClusters.describe(admin, TOPIC, 0).leader().id();
            int controller = cluster.controllerSeenBy(leader);
            int paused = otherThan(leader, controller);

            // a paused process still accepts connections: the probe is no evidence, only the session would fence it
            cluster.process(paused).suspend();
            long pausedAt = System.nanoTime();
            try {
                Thread.sleep(HEARTBEAT_MS + 500 + 3_500); // several probes are due and answered meanwhile
                assertThat(fencedSeenBy(leader)).as("brokers fenced while node %d is paused (%d ms)", paused,
                        (System.nanoTime() - pausedAt) / 1_000_000).doesNotContain(paused);
            } finally {
                cluster.process(paused).resume();
            }
            ReplicatedClusters.awaitFullIsr(admin, TOPIC);

            // a killed leader's port refuses connections: fenced on that evidence, long before the session expires
            leader = ReplicatedClusters.describe(admin, TOPIC, 0).leader().id();
            int survivor = otherThan(leader, -1);
            long killedAt = System.nanoTime();
            cluster.kill(leader);
            int killed = leader;
            ClusterHarness.await(Duration.ofSeconds(15), "node " + killed + " fenced and " + TOPIC + "-0 led by another node", () -> {
                try {
                    TopicPartitionInfo p = ReplicatedClusters.describe(admin, TOPIC, 0);
                    return p.leader() != null && !p.leader().isEmpty() && p.leader().id() != killed
                            && fencedSeenBy(survivor).contains(killed);
                } catch (Exception e) {
                    return false;
                }
            });
            long movedMs = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("[probe] leader " + killed + " SIGKILLed; fenced and leadership moved after " + movedMs
                    + " ms (session timeout " + SESSION_MS + " ms)");
            assertThat(movedMs).isLessThan(SESSION_MS / 2);

            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(survivor),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                assertThat(producer.send(new ProducerRecord<>(TOPIC, "after".getBytes())).get(30, TimeUnit.SECONDS).offset())
                        .isNotNegative();
            }
        }
    }

    /** A node that is neither {@code a} nor {@code b}. */
    private static int otherThan(int a, int b) {
        for (int id = 1; id <= 3; id++) if (id != a && id != b) return id;
        throw new IllegalStateException();
    }

    /** The fenced brokers as node {@code askId} reports them (DescribeCluster v2 with IncludeFencedBrokers, sent to it alone). */
    private List<Integer> fencedSeenBy(int askId) throws Exception {
        try (RawClient c = new RawClient(cluster.port(askId))) {
            DescribeClusterRequest req = new DescribeClusterRequest();
            req.includeFencedBrokers = true;
            c.send(ApiKeys.DESCRIBE_CLUSTER, (short) 2, 7, req);
            DescribeClusterResponse r = c.<DescribeClusterResponse>receive(ApiKeys.DESCRIBE_CLUSTER, (short) 2).body();
            assertThat(r.errorCode).isZero();
            Map<Integer, Boolean> fenced = new HashMap<>();
            for (DescribeClusterResponse.Broker b : r.brokers) fenced.put(b.brokerId, b.isFenced);
            assertThat(fenced).hasSize(3);
            return fenced.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        }
    }
}
