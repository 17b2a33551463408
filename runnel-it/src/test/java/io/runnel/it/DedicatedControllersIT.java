package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three dedicated controllers ({@code process.roles=controller}) and two broker-only nodes, as processes started
 * like {@code ./runnel start}: the brokers register, are unfenced and serve kafka-clients through controllers that
 * have no Kafka listener; DescribeCluster lists only the brokers and names one of them as the controller;
 * DescribeQuorum lists the controllers as voters and the brokers as observers; partitions are placed on brokers
 * only; a kill -9 of the active controller is followed by a new one, and CreateTopics succeeds again. In this JVM
 * ({@link ClusterHarness}'s other mode): forwarding, a broker's controlled shutdown and return, and the hand-over of
 * a stopped active controller. The broker side is what is tested: runnel-it's client generation only.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class DedicatedControllersIT {
    private static final Duration UP = Duration.ofSeconds(60);
    private static final Set<Integer> CONTROLLERS = Set.of(1, 2, 3);
    private static final Set<Integer> BROKERS = Set.of(4, 5);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private void awaitUnfenced(Admin admin) {
        ClusterHarness.await(UP, "brokers 4 and 5 unfenced", () -> {
            try {
                return ClusterIT.brokerIds(admin, false).equals(BROKERS);
            } catch (Exception e) {
                return false;
            }
        });
    }

    private int activeController() {
        for (int id : BROKERS) {
            int leader = cluster.quorumLeaderSeenBy(id);
            if (leader > 0) return leader;
        }
        return -1;
    }

    @Test
    void dedicatedControllersRunTheClusterOfBrokerOnlyNodes() throws Exception {
        long t0 = System.nanoTime();
        cluster = ClusterHarness.createDedicated(ClusterHarness.Mode.PROCESS, dir, 3, 2, Map.of(
                "broker.heartbeat.interval.ms", "500", "broker.session.timeout.ms", "4000",
                "offsets.topic.replication.factor", "2", "transaction.state.log.replication.factor", "2")).startAll();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            awaitUnfenced(admin);
            System.out.println("[cluster] 3 dedicated controllers + 2 brokers launched to two unfenced brokers: "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");

            // DescribeCluster: the brokers only (fenced ones included: no controller ever registered), and a
            // controller clients can reach, i.e. one of the brokers
            assertThat(ClusterIT.brokerIds(admin, true)).isEqualTo(BROKERS);
            for (int id : BROKERS) {
                try (Admin viaOne = Clients.admin(cluster.bootstrap(id))) {
                    DescribeClusterResult d = viaOne.describeCluster();
                    Node controller = d.controller().get(10, TimeUnit.SECONDS);
                    assertThat(controller).isNotNull();
                    assertThat(controller.id()).as("DescribeCluster's controller via broker %d", id).isIn(BROKERS);
                    assertThat(d.nodes().get(10, TimeUnit.SECONDS)).extracting(Node::id).containsExactlyInAnyOrderElementsOf(BROKERS);
                }
            }

            // DescribeQuorum through a broker: the controllers vote, the brokers observe
            ClusterHarness.await(Duration.ofSeconds(30), "3 voters and 2 observers", () -> {
                try {
                    QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS);
                    return q.voters().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet()).equals(CONTROLLERS)
                            && q.observers().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet()).equals(BROKERS);
                } catch (Exception e) {
                    return false;
                }
            });
            int victim = activeController();
            assertThat(victim).isIn(CONTROLLERS);

            // a topic with RF 2, through one broker: its replicas are the two brokers, never a controller
            admin.createTopics(List.of(new NewTopic("orders", 4, (short) 2))).all().get(30, TimeUnit.SECONDS);
            TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames().get(30, TimeUnit.SECONDS).get("orders");
            for (TopicPartitionInfo p : orders.partitions()) {
                assertThat(p.replicas()).extracting(Node::id).containsExactlyInAnyOrderElementsOf(BROKERS);
            }

            // a manual assignment naming a controller is refused: it is no broker
            try {
                admin.createTopics(List.of(new NewTopic("on-a-controller", Map.of(0, List.of(victim))))).all().get(30, TimeUnit.SECONDS);
                throw new AssertionError("a replica on dedicated controller " + victim + " was accepted");
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(org.apache.kafka.common.errors.InvalidReplicaAssignmentException.class);
            }

            // produce with acks=all (idempotent: the producer id block comes from the controllers) and read back
            int count = 200;
            List<Future<?>> acks = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < count; i++) {
                    acks.add(producer.send(new ProducerRecord<>("orders", ("k" + i).getBytes(StandardCharsets.UTF_8),
                            ("v" + i).getBytes(StandardCharsets.UTF_8))));
                }
                for (Future<?> f : acks) f.get(30, TimeUnit.SECONDS);
            }
            List<TopicPartition> tps = orders.partitions().stream().map(p -> new TopicPartition("orders", p.partition())).toList();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap())) {
                consumer.assign(tps);
                List<ConsumerRecord<byte[], byte[]>> got = Clients.pollUntil(consumer, count, Duration.ofSeconds(30), true);
                assertThat(got.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).collect(Collectors.toSet()))
                        .hasSize(count).contains("v0", "v" + (count - 1));
                assertThat(got).hasSize(count);
            }

            // kill -9 of the active controller: another controller takes over, and CreateTopics through a broker works again
            cluster.kill(victim);
            long killedAt = System.nanoTime();
            admin.createTopics(List.of(new NewTopic("after-kill", 2, (short) 2))).all().get(60, TimeUnit.SECONDS);
            System.out.println("[cluster] kill -9 of a dedicated active controller to the next acknowledged CreateTopics: "
                    + (System.nanoTime() - killedAt) / 1_000_000 + " ms");
            int next = activeController();
            assertThat(next).isIn(CONTROLLERS).isNotEqualTo(victim);
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("orders", "after-kill");
            // the brokers stay registered and unfenced through the new controller
            awaitUnfenced(admin);
        }

        // a dedicated controller writes only the metadata log and meta.properties, and stops cleanly on SIGTERM
        int survivor = cluster.runningNodes().stream().filter(CONTROLLERS::contains).findFirst().orElseThrow();
        try (Stream<Path> s = Files.list(cluster.dataDir(survivor))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("meta.properties", "__cluster_metadata-quorum");
        }
        assertThat(cluster.log(survivor)).contains("a dedicated controller").contains("Runnel started");
        assertThat(cluster.stop(survivor)).isIn(0, 143);
        assertThat(cluster.log(survivor)).contains("Controller stopped");
    }

    /** The node among the dedicated controllers (in this JVM) that is the active controller, or -1. */
    private int activeInJvm() {
        for (int id : CONTROLLERS) {
            if (cluster.running(id) && cluster.node(id).quorumNode().isActive()) return id;
        }
        return -1;
    }

    @Test
    void inThisJvmABrokerShutsDownAndReturnsAndAStoppedActiveControllerHandsOver() throws Exception {
        cluster = ClusterHarness.createDedicated(ClusterHarness.Mode.IN_PROCESS, dir, 3, 2, Map.of(
                "broker.heartbeat.interval.ms", "500", "broker.session.timeout.ms", "4000",
                "offsets.topic.replication.factor", "2", "transaction.state.log.replication.factor", "2")).startAll();
        assertThat(cluster.node(1)).isInstanceOf(io.runnel.broker.ControllerServer.class);
        assertThat(cluster.server(1)).isNull();
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            awaitUnfenced(admin);
            ClusterHarness.await(Duration.ofSeconds(30), "one active controller", () -> activeInJvm() > 0);
            // a broker's controller API forwards to the dedicated active controller
            var created = cluster.server(4).controller()
                    .createTopics(List.of(io.runnel.metadata.NewTopic.of("fwd", 4, 2)), false).get(30, TimeUnit.SECONDS);
            assertThat(created.get(0).error().isSuccess()).as("%s", created.get(0).error()).isTrue();
            var image = cluster.server(4).controller().image();
            assertThat(image.topic("fwd").partitions().values()).allSatisfy(p -> {
                assertThat(p.replicas()).containsExactlyInAnyOrderElementsOf(BROKERS);
                assertThat(p.leader()).isIn(BROKERS);
            });

            // a controlled shutdown of broker 5 through the dedicated controller: fenced, its leaderships moved to 4
            cluster.stop(5);
            ClusterHarness.await(Duration.ofSeconds(30), "broker 5 fenced and every partition led by 4", () -> {
                var img = cluster.server(4).controller().image();
                return img.broker(5).fenced() && img.topic("fwd").partitions().values().stream().allMatch(p -> p.leader() == 4);
            });
            cluster.start(5);
            awaitUnfenced(admin);

            // stopping the active controller (SIGTERM's path) hands the role to another dedicated controller
            int active = activeInJvm();
            cluster.stop(active);
            ClusterHarness.await(Duration.ofSeconds(30), "another active controller", () -> {
                int now = activeInJvm();
                return now > 0 && now != active;
            });
            admin.createTopics(List.of(new NewTopic("after-handover", 2, (short) 2))).all().get(60, TimeUnit.SECONDS);
            // clients are told about a broker as the controller, never about a dedicated controller
            assertThat(cluster.controllerSeenBy(4)).isIn(BROKERS);
            assertThat(cluster.controllerSeenBy(5)).isIn(BROKERS);
        }
    }
}
