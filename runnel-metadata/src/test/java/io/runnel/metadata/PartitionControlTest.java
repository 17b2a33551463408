package io.runnel.metadata;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.TopicConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.runnel.metadata.BrokerLifecycleMessages.AlterPartition;
import static io.runnel.metadata.BrokerLifecycleMessages.AlterPartitionReply;
import static io.runnel.metadata.BrokerLifecycleMessages.IsrChange;
import static io.runnel.metadata.BrokerLifecycleMessages.IsrChangeResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The controller's ISR and election rules, on a real {@link MetadataController} in cluster mode over an
 * {@link InMemoryMetadataQuorum}: brokers register, heartbeat and shut down through the same requests
 * real brokers send.
 */
class PartitionControlTest {
    private static final byte PREFERRED = 0;
    private static final byte UNCLEAN = 1;

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

    // ---------------------------------------------------------------- set-up helpers

    /** A controller with brokers 1..brokers registered and unfenced. */
    private void start(int brokers, String... kv) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("log.dir", dir.toString());
        m.put("node.id", "1");
        // the brokers here are messages, not processes: nothing listens on their endpoints, so the liveness probe
        // (BrokerLivenessProbeTest) would fence every one that is silent for a few seconds
        m.put("broker.liveness.probe.enable", "false");
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        quorum = new InMemoryMetadataQuorum(1);
        controller = MetadataController.startReplicated(BrokerConfigs.parse(m), quorum);
        await(() -> controller.image().clusterId() != null, "the cluster id is written");
        for (int b = 1; b <= brokers; b++) startBroker(b);
    }

    /** Registers a new incarnation of broker {@code id} and unfences it by a heartbeat. */
    private void startBroker(int id) throws Exception {
        BrokerRegistration r = get(controller.registerBroker(id, Uuid.random(),
                List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "127.0.0.1", 9000 + id, (short) 0)), null));
        epochs.put(id, r.epoch());
        assertThat(r.fenced()).isTrue();
        BrokerLifecycleMessages.HeartbeatReply hb = heartbeat(id, false);
        assertThat(hb.error()).isEqualTo(Errors.NONE);
        assertThat(hb.fenced()).isFalse();
    }

    private BrokerLifecycleMessages.HeartbeatReply heartbeat(int id, boolean shutdown) throws Exception {
        return BrokerLifecycleMessages.decodeHeartbeatReply(get(quorum.sendToController(BrokerLifecycleMessages.encode(
                new BrokerLifecycleMessages.Heartbeat(id, epochs.get(id), controller.image().offset(), shutdown)))));
    }

    /** A controlled shutdown of broker {@code id}: it is fenced. */
    private void shutDown(int id) throws Exception {
        assertThat(heartbeat(id, true).shouldShutdown()).isTrue();
        assertThat(controller.image().broker(id).fenced()).isTrue();
    }

    /**
     * ControllerSimulationTest found it (seed 122, with proposals that fail without a commit): a controlled shutdown
     * whose fence failed to commit was marked anyway, and the next request was allowed to stop while the broker was
     * still unfenced and leading. Now the fence is tried again until it is in the image.
     */
    @Test
    void aControlledShutdownWhoseFenceFailedIsFencedBeforeItIsAllowed() throws Exception {
        start(3);
        createTopic("t", List.of(2, 1, 3));
        quorum.failNextProposals = 1;
        assertThat(heartbeat(2, true).error()).isEqualTo(Errors.NOT_CONTROLLER);
        assertThat(controller.image().broker(2).fenced()).isFalse();
        BrokerLifecycleMessages.HeartbeatReply again = heartbeat(2, true);
        assertThat(again.error()).isEqualTo(Errors.NONE);
        assertThat(again.shouldShutdown()).isTrue();
        assertThat(controller.image().broker(2).fenced()).isTrue();
        assertThat(controller.image().broker(2).cleanShutdown()).isTrue();
        assertThat(state("t", 0).leader()).isEqualTo(1);
        long offset = controller.image().offset();
        assertThat(heartbeat(2, true).shouldShutdown()).isTrue();
        assertThat(controller.image().offset()).as("nothing more is written once it is fenced").isEqualTo(offset);
    }

    private Uuid createTopic(String name, Map<String, String> configs, List<Integer>... assignment) throws Exception {
        Map<Integer, List<Integer>> a = new LinkedHashMap<>();
        for (int i = 0; i < assignment.length; i++) a.put(i, assignment[i]);
        CreateTopicResult r = get(controller.createTopics(List.of(new NewTopic(name, -1, (short) -1, a, configs)), false)).get(0);
        assertThat(r.error()).isEqualTo(ApiError.NONE);
        return r.topicId();
    }

    @SafeVarargs
    private Uuid createTopic(String name, List<Integer>... assignment) throws Exception {
        return createTopic(name, Map.of(), assignment);
    }

    private PartitionState state(String topic, int partition) {
        return controller.image().topic(topic).partition(partition);
    }

    /** AlterPartition of one partition by {@code broker}, at the partition's current epochs. */
    private IsrChangeResult alter(int broker, String topic, int partition, List<Integer> isr) throws Exception {
        PartitionState p = state(topic, partition);
        return alter(broker, new IsrChange(controller.image().topic(topic).id(), partition, p.leaderEpoch(), p.partitionEpoch(), isr));
    }

    private IsrChangeResult alter(int broker, IsrChange change) throws Exception {
        AlterPartitionReply reply = get(controller.alterPartition(new AlterPartition(broker, epochs.get(broker), List.of(change))));
        assertThat(reply.error()).isEqualTo(Errors.NONE);
        assertThat(reply.results()).hasSize(1);
        return reply.results().get(0);
    }

    private static PartitionState ps(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch, int partitionEpoch) {
        return new PartitionState(replicas, isr, List.of(), List.of(), leader, leaderEpoch, partitionEpoch);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    // ---------------------------------------------------------------- AlterPartition

    @Test
    void alterPartitionShrinksAndExpandsTheIsrWithOneRecordEachAndAnswersTheNewState() throws Exception {
        start(3);
        Uuid id = createTopic("t", List.of(1, 2, 3));
        long before = controller.image().offset();
        IsrChangeResult shrunk = alter(1, "t", 0, List.of(1, 3));
        assertThat(shrunk).isEqualTo(new IsrChangeResult(id, 0, Errors.NONE, ps(List.of(1, 2, 3), List.of(1, 3), 1, 0, 1)));
        assertThat(controller.image().offset()).isEqualTo(before + 1);
        assertThat(state("t", 0)).isEqualTo(shrunk.state());
        IsrChangeResult expanded = alter(1, "t", 0, List.of(1, 3, 2));
        assertThat(expanded.state()).isEqualTo(ps(List.of(1, 2, 3), List.of(1, 3, 2), 1, 0, 2));
        assertThat(controller.image().offset()).isEqualTo(before + 2);
    }

    @Test
    void anUnchangedIsrAnswersTheCurrentStateWithoutARecord() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        long before = controller.image().offset();
        IsrChangeResult r = alter(1, "t", 0, List.of(1, 2));
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.state()).isEqualTo(ps(List.of(1, 2), List.of(1, 2), 1, 0, 0));
        assertThat(controller.image().offset()).isEqualTo(before);
    }

    @Test
    void aWrongOrUnknownBrokerEpochIsStaleForTheWholeRequest() throws Exception {
        start(2);
        Uuid id = createTopic("t", List.of(1, 2));
        IsrChange change = new IsrChange(id, 0, 0, 0, List.of(1));
        AlterPartitionReply wrong = get(controller.alterPartition(new AlterPartition(1, epochs.get(1) + 1, List.of(change))));
        assertThat(wrong.error()).isEqualTo(Errors.STALE_BROKER_EPOCH);
        assertThat(wrong.message()).contains("registered with epoch " + epochs.get(1));
        assertThat(wrong.results()).isEmpty();
        AlterPartitionReply unknown = get(controller.alterPartition(new AlterPartition(7, 0, List.of(change))));
        assertThat(unknown.error()).isEqualTo(Errors.STALE_BROKER_EPOCH);
        assertThat(state("t", 0).isr()).containsExactly(1, 2);
    }

    @Test
    void anUnknownTopicIdIsUnknownTopicId() throws Exception {
        start(1);
        createTopic("t", List.of(1));
        IsrChangeResult r = alter(1, new IsrChange(Uuid.random(), 0, 0, 0, List.of(1)));
        assertThat(r.error()).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        assertThat(r.state()).isNull();
    }

    @Test
    void anUnknownPartitionIsUnknownTopicOrPartition() throws Exception {
        start(1);
        Uuid id = createTopic("t", List.of(1));
        assertThat(alter(1, new IsrChange(id, 1, 0, 0, List.of(1))).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void aSenderThatIsNotTheLeaderIsNotLeaderOrFollower() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        IsrChangeResult r = alter(2, "t", 0, List.of(2));
        assertThat(r.error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(state("t", 0).isr()).containsExactly(1, 2);
    }

    @Test
    void anotherLeaderEpochIsFencedLeaderEpoch() throws Exception {
        start(2);
        Uuid id = createTopic("t", List.of(1, 2));
        assertThat(alter(1, new IsrChange(id, 0, 1, 0, List.of(1))).error()).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(alter(1, new IsrChange(id, 0, -1, 0, List.of(1))).error()).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(state("t", 0).partitionEpoch()).isZero();
    }

    @Test
    void anotherPartitionEpochIsInvalidUpdateVersion() throws Exception {
        start(2);
        Uuid id = createTopic("t", List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        // computed against partition epoch 0, which the shrink just replaced
        assertThat(alter(1, new IsrChange(id, 0, 0, 0, List.of(1, 2))).error()).isEqualTo(Errors.INVALID_UPDATE_VERSION);
        assertThat(state("t", 0).isr()).containsExactly(1);
    }

    @Test
    void anEmptyIsrIsInvalid() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        assertThat(alter(1, "t", 0, List.of()).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void anIsrWithDuplicatesIsInvalid() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        assertThat(alter(1, "t", 0, List.of(1, 2, 2)).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void anIsrWithANonReplicaIsInvalid() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2));
        assertThat(alter(1, "t", 0, List.of(1, 2, 3)).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void anIsrWithoutTheLeaderIsInvalid() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        assertThat(alter(1, "t", 0, List.of(2)).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(state("t", 0).isr()).containsExactly(1, 2);
    }

    @Test
    void addingAFencedOrUnregisteredBrokerIsIneligibleButKeepingItIsNot() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2, 3));
        shutDown(3); // leaves the ISR
        assertThat(state("t", 0).isr()).containsExactly(1, 2);
        assertThat(alter(1, "t", 0, List.of(1, 2, 3)).error()).isEqualTo(Errors.INELIGIBLE_REPLICA);
        get(controller.unregisterBroker(3));
        assertThat(controller.image().broker(3)).isNull();
        assertThat(alter(1, "t", 0, List.of(1, 2, 3)).error()).isEqualTo(Errors.INELIGIBLE_REPLICA);
        assertThat(state("t", 0).isr()).containsExactly(1, 2);
    }

    @Test
    void eachChangeOfARequestIsAnsweredOnItsOwnAndTheGoodOnesApply() throws Exception {
        start(2);
        Uuid t = createTopic("t", List.of(1, 2), List.of(2, 1));
        AlterPartitionReply reply = get(controller.alterPartition(new AlterPartition(1, epochs.get(1), List.of(
                new IsrChange(t, 0, 0, 0, List.of(1)),
                new IsrChange(t, 1, 0, 0, List.of(1)),
                new IsrChange(t, 0, 0, 0, List.of(1))))));
        assertThat(reply.results()).extracting(IsrChangeResult::error)
                .containsExactly(Errors.NONE, Errors.NOT_LEADER_OR_FOLLOWER, Errors.INVALID_REQUEST);
        assertThat(state("t", 0).isr()).containsExactly(1);
        assertThat(state("t", 1).isr()).containsExactly(2, 1);
    }

    @Test
    void alterPartitionTravelsToTheActiveControllerAsABrokerRequest() throws Exception {
        start(2);
        Uuid t = createTopic("t", List.of(1, 2));
        byte[] bytes = get(quorum.sendToController(BrokerLifecycleMessages.encode(
                new AlterPartition(1, epochs.get(1), List.of(new IsrChange(t, 0, 0, 0, List.of(1)))))));
        BrokerLifecycleMessages.AlterPartitionWire w = BrokerLifecycleMessages.decodeAlterPartitionReply(bytes);
        assertThat(w.offset()).isEqualTo(controller.image().offset());
        assertThat(w.reply().results()).containsExactly(new IsrChangeResult(t, 0, Errors.NONE, ps(List.of(1, 2), List.of(1), 1, 0, 1)));
        byte[] stale = get(quorum.sendToController(BrokerLifecycleMessages.encode(new AlterPartition(1, -5, List.of()))));
        assertThat(BrokerLifecycleMessages.decodeAlterPartitionReply(stale).reply().error()).isEqualTo(Errors.STALE_BROKER_EPOCH);
    }

    @Test
    void onASingleNodeAlterPartitionRunsOnTheLocalController() throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("log.dir", dir.toString());
        try (MetadataController single = MetadataController.start(BrokerConfigs.parse(m))) {
            CreateTopicResult created = get(single.createTopics(List.of(NewTopic.of("t", 1, 1)), false)).get(0);
            long epoch = single.image().broker(1).epoch();
            AlterPartitionReply r = get(single.alterPartition(new AlterPartition(1, epoch, List.of(
                    new IsrChange(created.topicId(), 0, 0, 0, List.of(1))))));
            assertThat(r.results()).extracting(IsrChangeResult::error).containsExactly(Errors.NONE);
            assertThat(get(single.alterPartition(new AlterPartition(1, epoch + 1, List.of()))).error())
                    .isEqualTo(Errors.STALE_BROKER_EPOCH);
        }
    }

    // ---------------------------------------------------------------- fencing and unfencing

    @Test
    void fencingAFollowerTakesItOutOfTheIsrOnly() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2, 3));
        shutDown(2);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2, 3), List.of(1, 3), 1, 0, 1));
    }

    @Test
    void fencingTheLeaderElectsTheFirstLiveIsrMemberInReplicaOrder() throws Exception {
        start(3);
        createTopic("t", List.of(1, 3, 2));
        alter(1, "t", 0, List.of(1, 2, 3)); // ISR order differs from the replica order
        shutDown(1);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 3, 2), List.of(2, 3), 3, 1, 2));
    }

    @Test
    void fencingTheSoleIsrMemberLeavesNoLeaderAndKeepsItInTheIsr() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        shutDown(1);
        // broker 2 is live but out of sync: without unclean election it is not elected
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(1), -1, 1, 2));
        // fencing a replica outside the ISR changes nothing
        long before = controller.image().offset();
        shutDown(2);
        assertThat(controller.image().offset()).isEqualTo(before + 1); // its registration only
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(1), -1, 1, 2));
    }

    @Test
    void unregisteringALeaderMovesLeadershipToo() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        get(controller.unregisterBroker(1));
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 1, 1));
    }

    @Test
    void sessionExpiryFencesAndElects() throws Exception {
        start(2, "broker.session.timeout.ms", "4000");
        createTopic("t", List.of(1, 2));
        // broker 2 keeps heartbeating, broker 1 went silent
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!controller.image().broker(1).fenced()) {
            if (System.nanoTime() > deadline) throw new AssertionError("broker 1 was never fenced");
            heartbeat(2, false);
            Thread.sleep(50);
        }
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 1, 1));
        assertThat(controller.image().broker(2).fenced()).isFalse();
    }

    @Test
    void unfencingElectsTheBrokerWhereItIsInTheIsrOfALeaderlessPartition() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2), List.of(2, 1));
        alter(1, "t", 0, List.of(1));
        shutDown(1);
        assertThat(state("t", 0).leader()).isEqualTo(-1);
        startBroker(1); // a new incarnation registers and catches up
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(1), 1, 2, 3));
        // partition 1 (led by 2, 1 out of its ISR) is not touched
        assertThat(state("t", 1)).isEqualTo(ps(List.of(2, 1), List.of(2), 2, 0, 1));
    }

    @Test
    void aNewIncarnationOfALiveBrokerFencesTheOldOne() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        // a new active controller has not heard from broker 1 itself, so another incarnation may register
        quorum.failover(); // the takeover is queued on the controller thread before the registration below
        BrokerRegistration r = get(controller.registerBroker(1, Uuid.random(), List.of(), null));
        // the old incarnation's leadership and ISR membership are gone before the new one is registered
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 1, 1));
        assertThat(r.fenced()).isTrue();
        assertThat(r.epoch()).isEqualTo(controller.image().offset() - 1);
    }

    // ---------------------------------------------------------------- unclean leader election

    @Test
    void withUncleanElectionOnTheTopicFencingTheSoleIsrMemberElectsALiveReplica() throws Exception {
        start(2);
        createTopic("t", Map.of(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "true"), List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        shutDown(1);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 1, 2));
    }

    @Test
    void withUncleanElectionOnTheBrokerUnfencingAnOutOfSyncReplicaElectsIt() throws Exception {
        start(2, "unclean.leader.election.enable", "true");
        createTopic("t", List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        shutDown(2);
        shutDown(1); // no live replica at all: no leader
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(1), -1, 1, 2));
        startBroker(2);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 2, 3));
    }

    @Test
    void withoutUncleanElectionUnfencingAnOutOfSyncReplicaLeavesThePartitionLeaderless() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        shutDown(2);
        shutDown(1);
        startBroker(2);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(1), -1, 1, 2));
    }

    @Test
    void turningUncleanElectionOnElectsLeaderlessPartitions() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2));
        createTopic("other", List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        alter(1, "other", 0, List.of(1));
        shutDown(1);
        assertThat(state("t", 0).leader()).isEqualTo(-1);
        Map<ConfigResource, ApiError> r = get(controller.incrementalAlterConfigs(Map.of(ConfigResource.topic("t"),
                List.of(new AlterConfigOp(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, AlterConfigOp.OpType.SET, "true"))), false));
        assertThat(r.values()).containsOnly(ApiError.NONE);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 2, 3));
        assertThat(state("other", 0).leader()).as("its topic does not allow it").isEqualTo(-1);
        // the cluster-wide default reaches the other topic
        get(controller.incrementalAlterConfigs(Map.of(ConfigResource.brokerDefault(),
                List.of(new AlterConfigOp("unclean.leader.election.enable", AlterConfigOp.OpType.SET, "true"))), false));
        assertThat(state("other", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 2, 3));
    }

    // ---------------------------------------------------------------- eligible leader replicas (KIP-966)

    private static final Map<String, String> MIN_ISR_2 = Map.of(TopicConfigs.MIN_IN_SYNC_REPLICAS, "2");
    private static final Map<String, String> MIN_ISR_3 = Map.of(TopicConfigs.MIN_IN_SYNC_REPLICAS, "3");

    /** Asserts leader, ISR, ELR and last known ELR of t-0. */
    private void assertElr(int leader, List<Integer> isr, List<Integer> elr, List<Integer> lastKnownElr) {
        PartitionState p = state("t", 0);
        assertThat(p.leader()).as("leader of %s", p).isEqualTo(leader);
        assertThat(p.isr()).as("ISR of %s", p).isEqualTo(isr);
        assertThat(p.elr()).as("ELR of %s", p).isEqualTo(elr);
        assertThat(p.lastKnownElr()).as("last known ELR of %s", p).isEqualTo(lastKnownElr);
    }

    @Test
    void anIsrShrinkingBelowMinIsrMovesTheLeavingReplicasToTheElrAndReachingMinIsrEmptiesIt() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_2, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1, 2));
        assertElr(1, List.of(1, 2), List.of(), List.of()); // at min ISR: 3 may miss records below the HW
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(2), List.of());
        alter(1, "t", 0, List.of(1, 3)); // back at min ISR
        assertElr(1, List.of(1, 3), List.of(), List.of());
        alter(1, "t", 0, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1)); // from above min ISR to below at once: both leave for the ELR
        assertElr(1, List.of(1), List.of(2, 3), List.of());
        alter(1, "t", 0, List.of(1, 3)); // a replica rejoining the ISR leaves the ELR (and min ISR is met)
        assertElr(1, List.of(1, 3), List.of(), List.of());
    }

    @Test
    void withoutAMinIsrAboveOneNoElrForms() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(), List.of());
    }

    @Test
    void fencingAnIsrMemberBelowMinIsrPutsItInTheElrWhereItStaysWhileFenced() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_3, List.of(1, 2, 3));
        shutDown(3);
        assertElr(1, List.of(1, 2), List.of(3), List.of());
        shutDown(2);
        assertElr(1, List.of(1), List.of(2, 3), List.of());
    }

    @Test
    void fencingTheLastIsrMemberElectsALiveElrMemberBeforeLeavingThePartitionLeaderless() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_2, List.of(1, 3, 2));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(3, 2), List.of());
        shutDown(3);
        shutDown(1); // 3 is fenced, 2 is a live ELR member: it leads, the old leader joins the ELR
        assertElr(2, List.of(2), List.of(1, 3), List.of());
    }

    @Test
    void aCleanlyRestartedElrMemberIsElectedWhenItReturns() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_2, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(2), List.of());
        shutDown(2); // a controlled shutdown: it stays eligible
        shutDown(1);
        // no live ISR or ELR member; 3 is live but may lack acknowledged records: no leader
        assertElr(-1, List.of(1), List.of(2), List.of());
        startBroker(2);
        assertElr(2, List.of(2), List.of(1), List.of());
    }

    @Test
    void anUncleanRestartTakesTheBrokerOutOfEveryElrIntoTheLastKnownElr() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_3, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(2, 3), List.of());
        // broker 3 crashes and comes back as a new incarnation without a controlled shutdown
        quorum.failover();
        startBroker(3);
        assertElr(1, List.of(1), List.of(2), List.of(3));
        assertThat(controller.image().broker(3).cleanShutdown()).isFalse();
        // broker 2 shuts down cleanly and comes back: it stays in the ELR
        shutDown(2);
        assertThat(controller.image().broker(2).cleanShutdown()).isTrue();
        startBroker(2);
        assertElr(1, List.of(1), List.of(2), List.of(3));
        // back at min ISR: both lists empty
        alter(1, "t", 0, List.of(1, 2, 3));
        assertElr(1, List.of(1, 2, 3), List.of(), List.of());
    }

    @Test
    void anUncleanRestartOfTheOnlyLiveElrMemberLeavesNoEligibleLeader() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_2, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(2, 3), List.of());
        shutDown(3);
        quorum.failover();
        startBroker(2); // unclean restart: 2 is no longer eligible
        shutDown(1);
        assertElr(-1, List.of(1), List.of(3), List.of(2));
    }

    @Test
    void anElrMemberIsElectedBeforeAnUncleanElection() throws Exception {
        start(3);
        createTopic("t", Map.of(TopicConfigs.MIN_IN_SYNC_REPLICAS, "2", TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "true"),
                List.of(1, 3, 2));
        alter(1, "t", 0, List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        assertElr(1, List.of(1), List.of(2), List.of());
        shutDown(1); // 3 comes first in replica order but is not eligible: 2 is
        assertElr(2, List.of(2), List.of(1), List.of());
    }

    @Test
    void anUncleanElectionClearsTheElr() throws Exception {
        start(3);
        createTopic("t", Map.of(TopicConfigs.MIN_IN_SYNC_REPLICAS, "2", TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, "true"),
                List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1, 2));
        alter(1, "t", 0, List.of(1));
        shutDown(2);
        shutDown(1); // no live ISR or ELR member: 3 is elected uncleanly
        assertElr(3, List.of(3), List.of(), List.of());
    }

    @Test
    void changingMinIsrClearsTheElrOfTheTopicOrOfAllTopics() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_3, List.of(1, 2, 3));
        createTopic("u", MIN_ISR_3, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1));
        alter(1, "u", 0, List.of(1));
        assertThat(state("u", 0).elr()).isEqualTo(List.of(2, 3));
        get(controller.incrementalAlterConfigs(Map.of(ConfigResource.topic("t"),
                List.of(new AlterConfigOp(TopicConfigs.MIN_IN_SYNC_REPLICAS, AlterConfigOp.OpType.SET, "2"))), false));
        assertElr(1, List.of(1), List.of(), List.of());
        assertThat(state("u", 0).elr()).as("another topic keeps its ELR").isEqualTo(List.of(2, 3));
        get(controller.incrementalAlterConfigs(Map.of(ConfigResource.brokerDefault(),
                List.of(new AlterConfigOp("min.insync.replicas", AlterConfigOp.OpType.SET, "2"))), false));
        assertThat(state("u", 0).elr()).as("a cluster-wide change clears every ELR").isEqualTo(List.of());
    }

    @Test
    void theElrSurvivesASnapshotAndReplay() throws Exception {
        start(3);
        createTopic("t", MIN_ISR_3, List.of(1, 2, 3));
        alter(1, "t", 0, List.of(1));
        quorum.failover();
        startBroker(3);
        PartitionState before = state("t", 0);
        // through the record bytes, as a snapshot holds them (the ELR fields are tagged)
        List<io.runnel.protocol.Message> records = new java.util.ArrayList<>();
        for (io.runnel.protocol.Message m : controller.image().toRecords()) {
            io.runnel.protocol.GrowableWritable out = new io.runnel.protocol.GrowableWritable();
            MetadataRecordSerde.write(m, out);
            records.add(MetadataRecordSerde.read(out.toByteBuffer()));
        }
        MetadataImage replayed = new MetadataDelta(MetadataImage.EMPTY).replayAll(records).apply();
        assertThat(replayed.topic("t").partition(0)).isEqualTo(before);
        assertThat(before.elr()).isEqualTo(List.of(2));
        assertThat(before.lastKnownElr()).isEqualTo(List.of(3));
    }

    // ---------------------------------------------------------------- ElectLeaders

    @Test
    void preferredElectionAnswersEachCase() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2), List.of(2, 1));
        shutDown(1);
        startBroker(1); // back, but out of the ISR of both partitions
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        TopicPartition missing = new TopicPartition("t", 5);
        Map<TopicPartition, ApiError> r = get(controller.electLeaders(PREFERRED, Set.of(t0, t1, missing)));
        assertThat(r.get(t0).error()).isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(r.get(t1).error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
        assertThat(r.get(missing).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        alter(2, "t", 0, List.of(2, 1)); // the leader takes broker 1 back into the ISR
        r = get(controller.electLeaders(PREFERRED, Set.of(t0)));
        assertThat(r).containsExactly(Map.entry(t0, ApiError.NONE));
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2, 1), 1, 2, 3));
        assertThat(get(controller.electLeaders(PREFERRED, Set.of(t0))).get(t0).error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
    }

    @Test
    void preferredElectionOfAllPartitionsAnswersOnlyThoseThatNeededOne() throws Exception {
        start(2);
        createTopic("t", List.of(1, 2), List.of(2, 1), List.of(1, 2));
        shutDown(1);
        startBroker(1);
        alter(2, "t", 0, List.of(2, 1));
        Map<TopicPartition, ApiError> r = get(controller.electLeaders(PREFERRED, null));
        assertThat(r).containsOnlyKeys(new TopicPartition("t", 0), new TopicPartition("t", 2));
        assertThat(r.get(new TopicPartition("t", 0))).isEqualTo(ApiError.NONE);
        assertThat(r.get(new TopicPartition("t", 2)).error()).isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(state("t", 0).leader()).isEqualTo(1);
    }

    @Test
    void uncleanElectionAnswersEachCase() throws Exception {
        start(3);
        createTopic("t", List.of(1, 2), List.of(1, 3), List.of(3, 1));
        alter(1, "t", 0, List.of(1));
        alter(1, "t", 1, List.of(1));
        shutDown(3);
        shutDown(1);
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        assertThat(state("t", 2).leader()).isEqualTo(-1);
        TopicPartition t2 = new TopicPartition("t", 2);
        Map<TopicPartition, ApiError> r = get(controller.electLeaders(UNCLEAN, Set.of(t0, t1, t2)));
        assertThat(r.get(t0)).isEqualTo(ApiError.NONE);
        assertThat(state("t", 0)).isEqualTo(ps(List.of(1, 2), List.of(2), 2, 2, 3));
        assertThat(r.get(t1).error()).as("no live replica").isEqualTo(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        assertThat(r.get(t2).error()).isEqualTo(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        assertThat(get(controller.electLeaders(UNCLEAN, Set.of(t0))).get(t0).error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
        // all partitions: those needing no election are left out
        assertThat(get(controller.electLeaders(UNCLEAN, null))).containsOnlyKeys(t1, t2);
    }

    @Test
    void anUnknownElectionTypeIsInvalid() throws Exception {
        start(1);
        assertThatThrownBy(() -> get(controller.electLeaders((byte) 2, null))).hasMessageContaining("Unknown election type 2");
    }

    // ---------------------------------------------------------------- auto leader rebalance

    @Test
    void autoRebalanceMovesLeadershipBackToThePreferredReplica() throws Exception {
        start(2, BrokerConfigs.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, "1");
        createTopic("t", List.of(1, 2), List.of(1, 2), List.of(2, 1));
        shutDown(1);
        startBroker(1);
        assertThat(state("t", 0).leader()).isEqualTo(2);
        alter(2, "t", 0, List.of(2, 1));
        alter(2, "t", 1, List.of(2, 1));
        await(() -> state("t", 0).leader() == 1 && state("t", 1).leader() == 1, "leadership moved back to broker 1");
        assertThat(state("t", 2).leader()).isEqualTo(2);
    }

    @Test
    void imbalanceCountsPreferredButNotLedPartitionsAgainstThePercentage() {
        Uuid id = Uuid.random();
        Map<Integer, PartitionState> parts = new HashMap<>();
        // broker 1 is preferred for 4 partitions and leads 3 (25 % not led); broker 2 leads everything it prefers
        parts.put(0, ps(List.of(1, 2), List.of(1, 2), 1, 0, 0));
        parts.put(1, ps(List.of(1, 2), List.of(1, 2), 1, 0, 0));
        parts.put(2, ps(List.of(1, 2), List.of(1, 2), 1, 0, 0));
        parts.put(3, ps(List.of(1, 2), List.of(1, 2), 2, 1, 1));
        parts.put(4, ps(List.of(2, 1), List.of(2, 1), 2, 0, 0));
        // preferred replica 3 is out of the ISR: not movable, whatever the share
        parts.put(5, ps(List.of(3, 2), List.of(2), 2, 1, 1));
        MetadataImage img = new MetadataImage(0, null, new java.util.TreeMap<>(),
                new java.util.TreeMap<>(Map.of("t", new TopicImage("t", id, parts))),
                new java.util.TreeMap<>(), new HashMap<>(), 0, new java.util.TreeMap<>());
        PartitionControl control = new PartitionControl(img, b -> true, t -> false);
        assertThat(control.imbalanced(10)).containsExactly(new TopicPartition("t", 3));
        assertThat(control.imbalanced(25)).as("not above the percentage").isEmpty();
    }
}
