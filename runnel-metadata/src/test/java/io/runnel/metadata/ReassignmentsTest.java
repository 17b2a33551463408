package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.runnel.metadata.BrokerLifecycleMessages.AlterPartition;
import static io.runnel.metadata.BrokerLifecycleMessages.AlterPartitionReply;
import static io.runnel.metadata.BrokerLifecycleMessages.IsrChange;
import static io.runnel.metadata.BrokerLifecycleMessages.IsrChangeResult;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partition reassignment on a real {@link MetadataController} in cluster mode over an
 * {@link InMemoryMetadataQuorum}: AlterPartitionReassignments grows the replica set, the leader's
 * AlterPartition that brings the last adding replica into the ISR completes it, cancel reverts, and each
 * error of Kafka's KRaft controller.
 */
class ReassignmentsTest {
    @TempDir
    Path dir;
    private InMemoryMetadataQuorum quorum;
    private MetadataController controller;
    private final Map<Integer, Long> epochs = new HashMap<>();

    @AfterEach
    void stop() throws Exception {
        if (controller != null) controller.close();
        if (quorum != null) quorum.close();
    }

    private void start(int brokers) throws Exception {
        quorum = new InMemoryMetadataQuorum(1);
        controller = MetadataController.startReplicated(BrokerConfigs.parse(Map.of("log.dir", dir.toString(), "node.id", "1",
                // nothing listens on the brokers' endpoints here: no liveness probe (BrokerLivenessProbeTest)
                "broker.liveness.probe.enable", "false")), quorum);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (controller.image().clusterId() == null) {
            if (System.nanoTime() > deadline) throw new AssertionError("no cluster id");
            Thread.sleep(20);
        }
        for (int b = 1; b <= brokers; b++) {
            BrokerRegistration r = get(controller.registerBroker(b, Uuid.random(),
                    List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "127.0.0.1", 9000 + b, (short) 0)), null));
            epochs.put(b, r.epoch());
            BrokerLifecycleMessages.HeartbeatReply hb = BrokerLifecycleMessages.decodeHeartbeatReply(get(quorum.sendToController(
                    BrokerLifecycleMessages.encode(new BrokerLifecycleMessages.Heartbeat(b, r.epoch(), controller.image().offset(), false)))));
            assertThat(hb.fenced()).isFalse();
        }
    }

    private void createTopic(String name, List<Integer> replicas) throws Exception {
        CreateTopicResult r = get(controller.createTopics(List.of(new NewTopic(name, -1, (short) -1, Map.of(0, replicas), Map.of())), false)).get(0);
        assertThat(r.error()).isEqualTo(ApiError.NONE);
    }

    private PartitionState state(String topic) {
        return controller.image().topic(topic).partition(0);
    }

    private ApiError reassign(String topic, Integer... target) throws Exception {
        return reassign(topic, true, target == null ? null : Arrays.asList(target));
    }

    private ApiError reassign(String topic, boolean allowRfChange, List<Integer> target) throws Exception {
        Map<TopicPartition, List<Integer>> m = new LinkedHashMap<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        m.put(tp, target);
        Map<TopicPartition, ApiError> r = get(controller.alterPartitionReassignments(m, allowRfChange));
        assertThat(r).containsOnlyKeys(tp);
        return r.get(tp);
    }

    private ApiError cancel(String topic) throws Exception {
        return reassign(topic, true, null);
    }

    private IsrChangeResult alterIsr(int leader, String topic, List<Integer> isr) throws Exception {
        PartitionState p = state(topic);
        AlterPartitionReply reply = get(controller.alterPartition(new AlterPartition(leader, epochs.get(leader),
                List.of(new IsrChange(controller.image().topic(topic).id(), 0, p.leaderEpoch(), p.partitionEpoch(), isr)))));
        assertThat(reply.error()).isEqualTo(Errors.NONE);
        return reply.results().get(0);
    }

    private static PartitionState ps(List<Integer> replicas, List<Integer> isr, List<Integer> removing, List<Integer> adding,
                                     int leader, int leaderEpoch, int partitionEpoch) {
        return new PartitionState(replicas, isr, removing, adding, leader, leaderEpoch, partitionEpoch);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void addingAReplicaGrowsTheReplicasAndCompletesWhenItJoinsTheIsr() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2));
        assertThat(reassign("t", 1, 2, 3)).isEqualTo(ApiError.NONE);
        assertThat(state("t")).isEqualTo(ps(List.of(1, 2, 3), List.of(1, 2), List.of(), List.of(3), 1, 0, 1));
        assertThat(controller.listPartitionReassignments(null)).containsOnlyKeys(new TopicPartition("t", 0));

        IsrChangeResult r = alterIsr(1, "t", List.of(1, 2, 3));
        assertThat(r.state()).isEqualTo(ps(List.of(1, 2, 3), List.of(1, 2, 3), List.of(), List.of(), 1, 0, 2));
        assertThat(controller.listPartitionReassignments(null)).isEmpty();
    }

    @Test
    void aMoveAwayFromTheLeaderCompletesWithANewLeaderFromTheTarget() throws Exception {
        start(4);
        createTopic("t", List.of(1, 2));
        assertThat(reassign("t", 3, 4)).isEqualTo(ApiError.NONE);
        assertThat(state("t")).isEqualTo(ps(List.of(3, 4, 1, 2), List.of(1, 2), List.of(1, 2), List.of(3, 4), 1, 0, 1));
        assertThat(controller.listPartitionReassignments(Set.of(new TopicPartition("t", 0), new TopicPartition("t", 7),
                new TopicPartition("nope", 0)))).containsOnlyKeys(new TopicPartition("t", 0));

        // one adding replica in the ISR is not enough
        assertThat(alterIsr(1, "t", List.of(1, 2, 3)).state().addingReplicas()).containsExactly(3, 4);
        alterIsr(1, "t", List.of(1, 2, 3, 4));
        assertThat(state("t")).isEqualTo(ps(List.of(3, 4), List.of(3, 4), List.of(), List.of(), 3, 1, 3));
    }

    @Test
    void aReassignmentThatOnlyRemovesReplicasCompletesAtOnce() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2, 3));
        assertThat(reassign("t", 2, 3)).isEqualTo(ApiError.NONE);
        assertThat(state("t")).isEqualTo(ps(List.of(2, 3), List.of(2, 3), List.of(), List.of(), 2, 1, 1));
        assertThat(controller.listPartitionReassignments(null)).isEmpty();
    }

    @Test
    void theSameReplicasAreANoOpWithoutARecord() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        long before = controller.image().offset();
        assertThat(reassign("t", 1, 2)).isEqualTo(ApiError.NONE);
        assertThat(controller.image().offset()).isEqualTo(before);
    }

    @Test
    void cancelRevertsToTheOriginalReplicasAndDropsAddingOnesFromTheIsr() throws Exception {
        start(4);
        createTopic("t", List.of(1, 2));
        assertThat(reassign("t", 3, 4)).isEqualTo(ApiError.NONE);
        alterIsr(1, "t", List.of(1, 2, 3)); // 3 caught up, 4 not yet
        assertThat(cancel("t")).isEqualTo(ApiError.NONE);
        assertThat(state("t")).isEqualTo(ps(List.of(1, 2), List.of(1, 2), List.of(), List.of(), 1, 0, 3));
        assertThat(cancel("t").error()).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void completedReassignmentsCannotBeCancelledAndCompletionKeepsOnlyInSyncTargets() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2));
        assertThat(reassign("t", 3)).isEqualTo(ApiError.NONE);
        alterIsr(1, "t", List.of(1, 2, 3));
        // completed: 3 alone now; nothing to cancel
        assertThat(state("t").replicas()).containsExactly(3);
        assertThat(cancel("t").error()).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);

        createTopic("u", List.of(1, 2));
        assertThat(reassign("u", 2, 3)).isEqualTo(ApiError.NONE);
        alterIsr(1, "u", List.of(1, 3)); // 2 falls out, 3 is added: completes as [2, 3] with ISR [3]
        assertThat(state("u")).isEqualTo(ps(List.of(2, 3), List.of(3), List.of(), List.of(), 3, 1, 2));
    }

    @Test
    void invalidTargetsAndUnknownPartitionsAreRefusedWithoutRecords() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2));
        long before = controller.image().offset();
        assertThat(reassign("t").error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(reassign("t", 1, 1).error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        ApiError unknownBroker = reassign("t", 1, 9);
        assertThat(unknownBroker.error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(unknownBroker.message()).contains("broker 9 is not registered");
        assertThat(reassign("nope", 1).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        Map<TopicPartition, List<Integer>> m = Map.of(new TopicPartition("t", 5), List.of(1));
        assertThat(get(controller.alterPartitionReassignments(m, true)).get(new TopicPartition("t", 5)).error())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(reassign("t", false, List.of(1, 2, 3)).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
        assertThat(controller.image().offset()).isEqualTo(before);
        assertThat(reassign("t", false, List.of(2, 3))).isEqualTo(ApiError.NONE);
    }

    @Test
    void aNewTargetWhileInProgressStartsFromTheGrownReplicas() throws Exception {
        start(4);
        createTopic("t", List.of(1, 2));
        assertThat(reassign("t", 1, 3)).isEqualTo(ApiError.NONE);
        assertThat(state("t").replicas()).containsExactly(1, 3, 2);
        assertThat(reassign("t", 1, 4)).isEqualTo(ApiError.NONE);
        assertThat(state("t")).isEqualTo(ps(List.of(1, 4, 3, 2), List.of(1, 2), List.of(3, 2), List.of(4), 1, 0, 2));
        alterIsr(1, "t", List.of(1, 2, 4));
        assertThat(state("t")).isEqualTo(ps(List.of(1, 4), List.of(1, 4), List.of(), List.of(), 1, 0, 3));
    }
}
