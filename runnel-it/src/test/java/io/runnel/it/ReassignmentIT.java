package io.runnel.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Partition reassignment in a three-node cluster in this JVM, through kafka-clients' Admin: adding a replica
 * (RF 2 to 3), moving a partition off its leader and shrinking one to a single new broker while an idempotent
 * acks=all producer writes to them (no acknowledged record is lost, the final replicas and ISR are the
 * targets); cancelling a reassignment in progress; and each error.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
// broker- and controller-side behaviour: runnel-it's client generation is enough (keeps CI short)
@org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "it.kafka.clients.version", matches = "4\\.1\\..*")
class ReassignmentIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private ClusterHarness cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) cluster.close();
    }

    private Admin startCluster() {
        cluster = ClusterHarness.create(ClusterHarness.Mode.IN_PROCESS, dir, 3,
                Map.of("replica.lag.time.max.ms", "5000", "broker.session.timeout.ms", "6000")).startAll();
        Admin admin = Clients.admin(cluster.bootstrap());
        ClusterHarness.await(WAIT, "three unfenced brokers", () -> brokers(admin).size() == 3);
        return admin;
    }

    static Set<Integer> brokers(Admin admin) {
        try {
            return ClusterIT.brokerIds(admin, false);
        } catch (Exception e) {
            return Set.of();
        }
    }

    static TopicPartitionInfo describe(Admin admin, String topic, int partition) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(partition);
    }

    static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    /** Waits until no reassignment is listed and each partition has exactly its target as replicas and ISR. */
    static void awaitReassigned(Admin admin, String topic, Map<Integer, List<Integer>> targets) {
        ClusterHarness.await(WAIT, "reassignments of " + topic + " complete: " + targets, () -> {
            try {
                if (!admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).isEmpty()) return false;
                for (Map.Entry<Integer, List<Integer>> e : targets.entrySet()) {
                    TopicPartitionInfo p = describe(admin, topic, e.getKey());
                    if (!ids(p.replicas()).equals(e.getValue())) return false;
                    if (!Set.copyOf(ids(p.isr())).equals(Set.copyOf(e.getValue()))) return false;
                    if (p.leader() == null || !e.getValue().contains(p.leader().id())) return false;
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static Map<TopicPartition, Optional<NewPartitionReassignment>> targets(String topic, Map<Integer, List<Integer>> m) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> out = new LinkedHashMap<>();
        m.forEach((p, r) -> out.put(new TopicPartition(topic, p), Optional.of(new NewPartitionReassignment(r))));
        return out;
    }

    @Test
    void reassignmentsWhileProducingLoseNoAcknowledgedRecord() throws Exception {
        try (Admin admin = startCluster()) {
            String topic = "moving";
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2), 1, List.of(1, 2), 2, List.of(2, 3)))))
                    .all().get(30, TimeUnit.SECONDS);
            for (int p = 0; p < 3; p++) {
                int partition = p;
                ClusterHarness.await(WAIT, "ISR of " + p + " is full", () -> {
                    try {
                        return describe(admin, topic, partition).isr().size() == 2;
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
            Map<Integer, List<String>> acked = new ConcurrentHashMap<>();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> produce(topic, acked, failures, stop), "reassign-writer");
            writer.start();
            try {
                ClusterHarness.await(WAIT, "the producer got going", () -> acked.values().stream().mapToInt(List::size).sum() > 300);
                Map<Integer, List<Integer>> goal = Map.of(
                        0, List.of(1, 2, 3), // RF 2 -> 3
                        1, List.of(3, 2),    // its leader 1 leaves: 3 (first of the target in the ISR) takes over
                        2, List.of(1));      // RF 2 -> 1 on a broker that did not have it
                admin.alterPartitionReassignments(targets(topic, goal)).all().get(30, TimeUnit.SECONDS);
                awaitReassigned(admin, topic, goal);
                int before = acked.values().stream().mapToInt(List::size).sum();
                ClusterHarness.await(WAIT, "the producer continues", () -> acked.values().stream().mapToInt(List::size).sum() > before + 300);
            } finally {
                stop.set(true);
                writer.join(60_000);
            }
            assertThat(failures).as("producer failures").isEmpty();
            ClusterHarness.await(WAIT, "3 leads " + topic + "-1 on every node", () -> {
                try {
                    for (int node = 1; node <= 3; node++) {
                        try (Admin one = Clients.admin(cluster.bootstrap(node))) {
                            if (describe(one, topic, 1).leader().id() != 3) return false;
                        }
                    }
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            // a broker no longer a replica stopped hosting the partition
            assertThat(cluster.server(1).partitions().get(new io.runnel.common.TopicPartition(topic, 1))).isNull();
            assertThat(cluster.server(3).partitions().get(new io.runnel.common.TopicPartition(topic, 2))).isNull();

            for (int p = 0; p < 3; p++) {
                List<ConsumerRecord<byte[], byte[]>> read = Clients.readAll(cluster.bootstrap(), List.of(new TopicPartition(topic, p)), WAIT);
                List<String> values = read.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
                List<String> mine = acked.getOrDefault(p, List.of());
                assertThat(mine).as("acknowledged on %d", p).isNotEmpty();
                assertThat(values).as("partition %d holds every acknowledged record, in order", p).containsSubsequence(mine);
                assertThat(values).as("no duplicates on %d", p).doesNotHaveDuplicates();
            }
        }
    }

    /** Writes "p-i" to partition p (round robin) with acks=all and idempotence until stopped; records what was acknowledged. */
    private void produce(String topic, Map<Integer, List<String>> acked, List<Throwable> failures, AtomicBoolean stop) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000))) {
            for (int i = 0; !stop.get(); i++) {
                int p = i % 3;
                String v = p + "-" + i;
                producer.send(new ProducerRecord<>(topic, p, null, v.getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                    if (e != null) failures.add(e);
                    else acked.computeIfAbsent(p, k -> new CopyOnWriteArrayList<>()).add(v);
                });
                if (i % 50 == 49) {
                    producer.flush();
                    Thread.sleep(20);
                }
            }
            producer.flush();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    @Test
    void aReassignmentInProgressIsListedAndCancelled() throws Exception {
        try (Admin admin = startCluster()) {
            int active = cluster.controllerSeenBy(1);
            int away = active == 3 ? 2 : 3; // a node that is not the active controller, so stopping it needs no election
            List<Integer> original = new ArrayList<>(List.of(1, 2, 3));
            original.remove(Integer.valueOf(away));
            admin.createTopics(List.of(new NewTopic("cancel", Map.of(0, original)))).all().get(30, TimeUnit.SECONDS);
            TopicPartition tp = new TopicPartition("cancel", 0);
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("cancel", 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            cluster.stop(away); // still registered (fenced): it may be a target, but it cannot catch up
            List<Integer> target = new ArrayList<>(original);
            target.add(away);
            admin.alterPartitionReassignments(targets("cancel", Map.of(0, target))).all().get(30, TimeUnit.SECONDS);

            Map<TopicPartition, PartitionReassignment> listed = admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS);
            assertThat(listed).containsOnlyKeys(tp);
            assertThat(listed.get(tp).replicas()).isEqualTo(target);
            assertThat(listed.get(tp).addingReplicas()).containsExactly(away);
            assertThat(listed.get(tp).removingReplicas()).isEmpty();
            assertThat(admin.listPartitionReassignments(Set.of(tp, new TopicPartition("cancel", 9))).reassignments()
                    .get(10, TimeUnit.SECONDS)).containsOnlyKeys(tp);
            ClusterHarness.await(WAIT, "Metadata shows the grown replicas", () -> {
                try {
                    return ids(describe(admin, "cancel", 0).replicas()).equals(target);
                } catch (Exception e) {
                    return false;
                }
            });

            Map<TopicPartition, Optional<NewPartitionReassignment>> cancel = new HashMap<>();
            cancel.put(tp, Optional.empty());
            admin.alterPartitionReassignments(cancel).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS)).isEmpty();
            ClusterHarness.await(WAIT, "the replicas are the original ones again", () -> {
                try {
                    return ids(describe(admin, "cancel", 0).replicas()).equals(original);
                } catch (Exception e) {
                    return false;
                }
            });
            assertThatThrownBy(() -> admin.alterPartitionReassignments(cancel).all().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoReassignmentInProgressException.class);
            assertThat(Clients.readAll(cluster.bootstrap(), List.of(tp), WAIT)).hasSize(20);
        }
    }

    @Test
    void invalidReassignmentsAreRefusedWithKafkasErrors() throws Exception {
        try (Admin admin = startCluster()) {
            admin.createTopics(List.of(new NewTopic("bad", Map.of(0, List.of(1, 2))))).all().get(30, TimeUnit.SECONDS);
            assertThat(error(admin, "bad", 0, List.of(1, 1))).isInstanceOf(InvalidReplicaAssignmentException.class);
            assertThat(error(admin, "bad", 0, List.of(1, 7))).isInstanceOf(InvalidReplicaAssignmentException.class)
                    .hasMessageContaining("broker 7 is not registered");
            assertThat(error(admin, "bad", 5, List.of(1, 2))).isInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(error(admin, "missing", 0, List.of(1, 2))).isInstanceOf(UnknownTopicOrPartitionException.class);
            if (Clients.kafkaMajor() >= 4) {
                // KIP-860 (AlterPartitionReassignments v1): the request may forbid a change of replication factor
                var options = new org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions();
                options.getClass().getMethod("allowReplicationFactorChange", boolean.class).invoke(options, false);
                assertThatThrownBy(() -> admin.alterPartitionReassignments(targets("bad", Map.of(0, List.of(1, 2, 3))), options)
                        .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidReplicationFactorException.class);
            }
            assertThat(admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(ids(describe(admin, "bad", 0).replicas())).containsExactly(1, 2);
        }
    }

    /** The error of one reassignment, which must fail. */
    private static Throwable error(Admin admin, String topic, int partition, List<Integer> target) {
        Map<TopicPartition, Optional<NewPartitionReassignment>> m = targets(topic, Map.of(partition, target));
        try {
            admin.alterPartitionReassignments(m).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("reassigning " + topic + "-" + partition + " to " + target + " succeeded");
    }
}
