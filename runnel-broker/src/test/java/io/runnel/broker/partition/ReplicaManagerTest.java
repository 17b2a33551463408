package io.runnel.broker.partition;

import io.runnel.common.Errors;
import io.runnel.protocol.message.ListOffsetsRequest;
import io.runnel.protocol.message.ListOffsetsResponse;
import io.runnel.common.Time;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import io.runnel.storage.AppendResult;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's side of replication on real logs, with follower fetches made as the Fetch handler makes them and the
 * controller's ISR answers given by the test: the high watermark over the ISR, acks=all waits and their outcomes,
 * divergence answers, and ISR expansion and shrink requests.
 */
class ReplicaManagerTest {
    private static final Uuid TOPIC_ID = Uuid.random();
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;
    private LogManager logs;
    private ReplicaManager replicas;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Time time = new Time() {
        @Override
        public long milliseconds() {
            return now.get();
        }

        @Override
        public long nanoseconds() {
            return TimeUnit.MILLISECONDS.toNanos(now.get());
        }
    };
    /** ISR changes the leader asked for; each is answered by the test. */
    private final List<Asked> asked = new CopyOnWriteArrayList<>();

    private record Asked(List<Integer> isr, int leaderEpoch, int partitionEpoch, CompletableFuture<ReplicaManager.IsrResult> answer) {}

    @BeforeEach
    void setUp() {
        logs = new LogManager(List.of(dir), Time.SYSTEM, LogManagerConfig.DEFAULT);
        logs.startup();
        replicas = replicaManager(true);
    }

    /** {@code scheduledShrink} false: no "replica-isr" thread, so moving the test's clock asks for no shrink. */
    private ReplicaManager replicaManager(boolean scheduledShrink) {
        ReplicaManager r = new ReplicaManager(1, logs, new ReplicationConfig(200, 500, 1, 1 << 20, 10 << 20, 100, 5000, 1), time,
                scheduledShrink);
        r.startReplication((topicId, partition, leaderEpoch, partitionEpoch, newIsr) -> {
            CompletableFuture<ReplicaManager.IsrResult> f = new CompletableFuture<>();
            asked.add(new Asked(List.copyOf(newIsr), leaderEpoch, partitionEpoch, f));
            return f;
        }, id -> null, () -> 1L);
        return r;
    }

    @AfterEach
    void tearDown() {
        replicas.close();
        logs.close();
    }

    private Partition lead(int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        replicas.applyPartition(TP.topic(), TOPIC_ID, 0, new Partition.ReplicaState(1, leaderEpoch, partitionEpoch, List.of(1, 2, 3), isr),
                LogConfig.DEFAULT);
        return replicas.get(TP);
    }

    private static MemoryRecords records(int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
        for (int i = 0; i < n; i++) b.append(1000 + i, null, ("v" + i).getBytes(), List.of());
        return new MemoryRecords(b.build());
    }

    /** A follower's fetch at {@code offset}, as the Fetch handler makes it. */
    private PartitionRead fetchAs(int replica, long offset, int lastFetchedEpoch) {
        return replicas.read(replicas.get(TP), replica, offset, -1, lastFetchedEpoch, 1 << 20, true, false, false);
    }

    @Test
    void highWatermarkIsTheSmallestLogEndOffsetInTheIsr() {
        Partition p = lead(0, 0, List.of(1, 2, 3));
        replicas.appendAsLeader(p, records(10));
        assertThat(p.log().highWatermark()).isZero();
        fetchAs(2, 10, 0);
        assertThat(p.log().highWatermark()).as("replica 3 has not fetched").isZero();
        fetchAs(3, 4, 0);
        assertThat(p.log().highWatermark()).isEqualTo(4);
        fetchAs(3, 10, 0);
        assertThat(p.log().highWatermark()).isEqualTo(10);
        // a consumer reads only up to it
        replicas.appendAsLeader(p, records(5));
        PartitionRead consumer = replicas.read(p, -1, 0, -1, -1, 1 << 20, true, false, true);
        assertThat(consumer.highWatermark()).isEqualTo(10);
        assertThat(consumer.readableEnd()).isEqualTo(10);
    }

    @Test
    void acksAllCompletesWhenTheIsrHasTheRecords() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2));
        AppendResult r = replicas.appendAsLeader(p, records(3));
        CompletableFuture<Errors> done = replicas.awaitReplication(p, r.lastOffset() + 1, 2, 30_000);
        assertThat(done).isNotDone();
        fetchAs(2, 2, 0);
        assertThat(done).isNotDone();
        fetchAs(2, 3, 0);
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NONE);
    }

    @Test
    void acksAllAfterTheIsrShrankBelowMinInsyncIsNotEnoughReplicasAfterAppend() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2));
        AppendResult r = replicas.appendAsLeader(p, records(3));
        CompletableFuture<Errors> done = replicas.awaitReplication(p, r.lastOffset() + 1, 2, 30_000);
        lead(0, 1, List.of(1)); // the controller dropped replica 2
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(p.log().highWatermark()).isEqualTo(3);
    }

    @Test
    void theHighWatermarkStandsStillWhileTheIsrIsBelowMinInsyncReplicas() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2, 3));
        replicas.setMinInsyncReplicas(TP.topic(), 2);
        replicas.appendAsLeader(p, records(4));
        fetchAs(2, 4, 0);
        fetchAs(3, 4, 0);
        assertThat(p.log().highWatermark()).isEqualTo(4);

        lead(0, 1, List.of(1)); // the controller dropped 2 and 3 from the ISR (they are its eligible leader replicas now)
        AppendResult r = replicas.appendAsLeader(p, records(3)); // acks=1 is still taken
        assertThat(p.log().highWatermark()).as("KIP-966: not past what min.insync.replicas replicas have").isEqualTo(4);
        assertThat(replicas.read(p, -1, 0, -1, -1, 1 << 20, true, false, true).readableEnd()).isEqualTo(4);
        CompletableFuture<Errors> acksAll = replicas.awaitReplication(p, r.lastOffset() + 1, 2, 30_000);
        assertThat(acksAll.get(5, TimeUnit.SECONDS)).as("the sole ISR member has it: no more replicas will")
                .isEqualTo(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);

        lead(0, 2, List.of(1, 2)); // replica 2 is back
        assertThat(p.log().highWatermark()).as("replica 2 has only 4 records").isEqualTo(4);
        fetchAs(2, 7, 0);
        assertThat(p.log().highWatermark()).isEqualTo(7);

        lead(0, 3, List.of(1));
        replicas.appendAsLeader(p, records(1));
        assertThat(p.log().highWatermark()).isEqualTo(7);
        replicas.setMinInsyncReplicas(TP.topic(), 1); // lowered: the sole leader's log end counts again
        assertThat(p.log().highWatermark()).isEqualTo(8);
    }

    @Test
    void aNewLeaderWhoseHighWatermarkLagsItsEpochStartAnswersOffsetNotAvailable() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2, 3));
        replicas.appendAsLeader(p, records(4));
        fetchAs(2, 4, 0);
        fetchAs(3, 2, 0);
        assertThat(p.log().highWatermark()).isEqualTo(2);
        assertThat(listOffset(-1).errorCode).isEqualTo(Errors.NONE.code());
        assertThat(listOffset(-1).offset).isEqualTo(2);

        lead(1, 1, List.of(1, 2, 3)); // re-elected: its epoch begins at 4, which no follower is known to have yet
        ListOffsetsResponse.PartitionResponse latest = listOffset(-1);
        assertThat(latest.errorCode).as("latest while the high watermark is behind the epoch start")
                .isEqualTo(Errors.OFFSET_NOT_AVAILABLE.code());
        assertThat(listOffset(1002).errorCode).as("a timestamp found past the high watermark")
                .isEqualTo(Errors.OFFSET_NOT_AVAILABLE.code());
        assertThat(listOffset(1000).offset).as("a timestamp found below it").isZero();
        assertThat(listOffset(-2).offset).as("earliest is always known").isZero();

        fetchAs(2, 4, 1);
        fetchAs(3, 4, 1);
        assertThat(listOffset(-1).errorCode).isEqualTo(Errors.NONE.code());
        assertThat(listOffset(-1).offset).isEqualTo(4);
    }

    private ListOffsetsResponse.PartitionResponse listOffset(long timestamp) throws Exception {
        ListOffsetsRequest req = new ListOffsetsRequest();
        req.replicaId = -1;
        ListOffsetsRequest.Topic t = new ListOffsetsRequest.Topic();
        t.name = TP.topic();
        ListOffsetsRequest.Partition rp = new ListOffsetsRequest.Partition();
        rp.partitionIndex = 0;
        rp.currentLeaderEpoch = -1;
        rp.timestamp = timestamp;
        t.partitions.add(rp);
        req.topics.add(t);
        io.runnel.broker.handler.RequestContext ctx = new io.runnel.broker.handler.RequestContext(
                new io.runnel.protocol.RequestHeader(io.runnel.protocol.ApiKeys.LIST_OFFSETS.id, (short) 9, 1, "test"),
                io.runnel.protocol.ApiKeys.LIST_OFFSETS, new java.net.InetSocketAddress("127.0.0.1", 1), "PLAINTEXT", 0);
        return new io.runnel.broker.handler.ListOffsetsHandler(replicas).handle(ctx, req).get(5, TimeUnit.SECONDS)
                .topics.get(0).partitions.get(0);
    }

    @Test
    void aSingleReplicaIsNeverHeldByMinInsyncReplicas() {
        replicas.applyPartition("solo", Uuid.random(), 0, new Partition.ReplicaState(1, 0, 0, List.of(1), List.of(1)), LogConfig.DEFAULT);
        Partition p = replicas.get(new TopicPartition("solo", 0));
        replicas.setMinInsyncReplicas("solo", 2); // more than the replicas: Kafka caps it at the replica count
        replicas.appendAsLeader(p, records(2));
        assertThat(p.log().highWatermark()).isEqualTo(2);
    }

    @Test
    void acksAllTimesOutOrFailsWhenLeadershipMoves() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2));
        AppendResult r = replicas.appendAsLeader(p, records(1));
        assertThat(replicas.awaitReplication(p, r.lastOffset() + 1, 1, 50).get(5, TimeUnit.SECONDS)).isEqualTo(Errors.REQUEST_TIMED_OUT);
        CompletableFuture<Errors> waiting = replicas.awaitReplication(p, r.lastOffset() + 1, 1, 30_000);
        replicas.applyPartition(TP.topic(), TOPIC_ID, 0, new Partition.ReplicaState(2, 1, 1, List.of(1, 2, 3), List.of(1, 2)), LogConfig.DEFAULT);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(fetchAs(3, 0, -1).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void becomingLeaderOfAPartitionCompletesParkedFollowerFetches() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2));
        CompletableFuture<Void> parkedFollower = new CompletableFuture<>();
        CompletableFuture<Void> parkedConsumer = new CompletableFuture<>();
        replicas.delayFetch(List.of(p), 1, 60_000, false, true, () -> false, () -> parkedFollower.complete(null));
        replicas.delayFetch(List.of(p), 1, 60_000, false, false, () -> false, () -> parkedConsumer.complete(null));
        // this broker is elected leader of another partition (a failover): replica 2 may now follow it from here,
        // and its parked fetch must not hold that back for replica.fetch.wait.max.ms
        replicas.applyPartition("other", Uuid.random(), 0, new Partition.ReplicaState(1, 1, 1, List.of(2, 1), List.of(1, 2)),
                LogConfig.DEFAULT);
        parkedFollower.get(5, TimeUnit.SECONDS);
        assertThat(parkedConsumer).as("consumers wait for data as before").isNotDone();
        // a follower fetch parked afterwards waits again
        CompletableFuture<Void> next = new CompletableFuture<>();
        replicas.delayFetch(List.of(p), 1, 60_000, false, true, () -> false, () -> next.complete(null));
        assertThat(next).isNotDone();
        replicas.appendAsLeader(p, records(1));
        next.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFollowerWhoseLastEpochEndsEarlierHereIsToldWhereTheLogsDiverge() {
        Partition p = lead(0, 0, List.of(1, 2));
        replicas.appendAsLeader(p, records(5)); // epoch 0: offsets 0-4
        p = lead(2, 1, List.of(1, 2));          // epoch 2 starts at 5
        replicas.appendAsLeader(p, records(3)); // epoch 2: offsets 5-7
        // the follower led epoch 1 and wrote offsets 5-6 that this log never had
        PartitionRead r = fetchAs(2, 7, 1);
        assertThat(r.divergingEpoch()).isEqualTo(0);
        assertThat(r.divergingEndOffset()).isEqualTo(5);
        assertThat(r.records().sizeInBytes()).isZero();
        // a follower on the right path gets records
        PartitionRead ok = fetchAs(2, 5, 0);
        assertThat(ok.divergingEpoch()).isEqualTo(-1);
        assertThat(ok.records().sizeInBytes()).isPositive();
    }

    @Test
    void aCaughtUpReplicaIsAddedToTheIsrAndALaggingOneRemoved() throws Exception {
        Partition p = lead(0, 0, List.of(1, 2));
        replicas.appendAsLeader(p, records(4));
        fetchAs(2, 4, 0);
        fetchAs(3, 2, 0);
        assertThat(asked).as("replica 3 is behind the high watermark").isEmpty();
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).isr()).containsExactly(1, 2, 3);
        assertThat(asked.get(0).partitionEpoch()).isZero();
        // while the expansion is in flight the high watermark already counts replica 3 (the maximal ISR)
        replicas.appendAsLeader(p, records(1));
        fetchAs(2, 5, 0);
        assertThat(p.log().highWatermark()).isEqualTo(4);
        asked.get(0).answer().complete(new ReplicaManager.IsrResult(Errors.NONE,
                new Partition.ReplicaState(1, 0, 1, List.of(1, 2, 3), List.of(1, 2, 3))));
        assertThat(p.state().isr()).containsExactly(1, 2, 3);

        // replica 2 keeps fetching, replica 3 stops: after replica.lag.time.max.ms (200 ms) it is dropped
        now.addAndGet(1_000);
        fetchAs(2, 5, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (asked.size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(asked).hasSize(2);
        assertThat(asked.get(1).isr()).containsExactly(1, 2);
        assertThat(asked.get(1).partitionEpoch()).isEqualTo(1);
        // the high watermark was held back by replica 3; once the shrink is committed it moves
        assertThat(p.log().highWatermark()).isEqualTo(4);
        asked.get(1).answer().complete(new ReplicaManager.IsrResult(Errors.NONE,
                new Partition.ReplicaState(1, 0, 2, List.of(1, 2, 3), List.of(1, 2))));
        assertThat(p.log().highWatermark()).isEqualTo(5);
    }

    @Test
    void aFailedIsrExpansionIsAskedAgainOnlyAfterABackoffNotOnEveryFetch() {
        replicas.close();
        replicas = replicaManager(false);
        Partition p = lead(0, 0, List.of(1, 2));
        replicas.appendAsLeader(p, records(4));
        fetchAs(2, 4, 0);
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(1);
        // the controller refuses: replica 3's broker is fenced
        asked.get(0).answer().complete(new ReplicaManager.IsrResult(Errors.INELIGIBLE_REPLICA, null));
        assertThat(p.pendingIsr()).as("nothing in flight after the refusal").isNull();
        for (int i = 0; i < 20; i++) fetchAs(3, 4, 0);
        assertThat(asked).as("no request per fetch while backing off").hasSize(1);
        now.addAndGet(ReplicaManager.ISR_RETRY_BACKOFF_MS - 1);
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(1);
        now.addAndGet(1);
        fetchAs(3, 4, 0);
        fetchAs(3, 4, 0);
        assertThat(asked).as("asked again once the backoff passed, one in flight").hasSize(2);
        assertThat(asked.get(1).isr()).containsExactly(1, 2, 3);

        // the same refusal again: the backoff doubles, and it is not a new failure (logged at DEBUG)
        asked.get(1).answer().complete(new ReplicaManager.IsrResult(Errors.INELIGIBLE_REPLICA, null));
        assertThat(p.lastIsrFailure().backoffMs()).isEqualTo(2 * ReplicaManager.ISR_RETRY_BACKOFF_MS);
        now.addAndGet(ReplicaManager.ISR_RETRY_BACKOFF_MS);
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(2);
        now.addAndGet(ReplicaManager.ISR_RETRY_BACKOFF_MS);
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(3);
        // capped
        for (int i = 0; i < 6; i++) {
            asked.get(asked.size() - 1).answer().complete(new ReplicaManager.IsrResult(Errors.INELIGIBLE_REPLICA, null));
            now.addAndGet(ReplicaManager.ISR_RETRY_BACKOFF_MAX_MS);
            fetchAs(3, 4, 0);
        }
        assertThat(p.lastIsrFailure().backoffMs()).isEqualTo(ReplicaManager.ISR_RETRY_BACKOFF_MAX_MS);
        assertThat(asked).hasSize(9);

        // a new partition state (the image moved on) ends the backoff at once
        asked.get(8).answer().complete(new ReplicaManager.IsrResult(Errors.INELIGIBLE_REPLICA, null));
        p = lead(0, 1, List.of(1, 2));
        fetchAs(3, 4, 0);
        assertThat(asked).hasSize(10);
        assertThat(asked.get(9).partitionEpoch()).isEqualTo(1);
        // success clears the failure
        asked.get(9).answer().complete(new ReplicaManager.IsrResult(Errors.NONE,
                new Partition.ReplicaState(1, 0, 2, List.of(1, 2, 3), List.of(1, 2, 3))));
        assertThat(p.state().isr()).containsExactly(1, 2, 3);
        assertThat(p.lastIsrFailure()).isNull();
    }

    @Test
    void aFailureIsNewOnlyWhenTheChangeTheReasonOrTheEpochsDiffer() {
        Partition p = lead(3, 7, List.of(1, 2));
        List<Integer> isr = List.of(1, 2, 3);
        assertThat(p.startIsrChange(isr, 0)).isTrue();
        assertThat(p.failIsrChange(isr, "INELIGIBLE_REPLICA", 3, 7, 0, 100, 1000)).as("first").isTrue();
        assertThat(p.startIsrChange(isr, 99)).isFalse();
        assertThat(p.retriesFailedIsrChange(isr)).isTrue();
        assertThat(p.startIsrChange(isr, 100)).isTrue();
        assertThat(p.failIsrChange(isr, "INELIGIBLE_REPLICA", 3, 7, 100, 100, 1000)).as("same failure").isFalse();
        assertThat(p.startIsrChange(isr, 300)).isTrue();
        assertThat(p.failIsrChange(isr, "java.util.concurrent.TimeoutException", 3, 7, 300, 100, 1000)).as("other reason").isTrue();
        assertThat(p.lastIsrFailure().backoffMs()).isEqualTo(100);
        assertThat(p.startIsrChange(isr, 400)).isTrue();
        assertThat(p.failIsrChange(isr, "java.util.concurrent.TimeoutException", 3, 6, 400, 100, 1000)).as("other epochs").isTrue();
        assertThat(p.retriesFailedIsrChange(isr)).as("asked at an older partition epoch").isFalse();
    }

    @Test
    void whileLeadershipIsHeldAPartitionIsHostedButNeitherLedNorFollowed() {
        List<String> events = new CopyOnWriteArrayList<>();
        replicas.addLeadershipListener(new ReplicaManager.LeadershipListener() {
            @Override
            public void onBecomeLeader(Partition partition) {
                events.add("lead " + partition.topicPartition() + "@" + partition.leaderEpoch());
            }

            @Override
            public void onStopLeading(TopicPartition tp) {
                events.add("stop " + tp);
            }
        });
        replicas.holdLeadership();
        // the image replayed at restart says this broker leads epoch 4
        Partition p = lead(4, 9, List.of(1, 2, 3));
        assertThat(p).as("hosted: the log is open").isNotNull();
        assertThat(p.state().leaderId()).isEqualTo(-1);
        assertThat(replicas.isLeader(p)).isFalse();
        assertThat(events).as("no coordinator is told to load it").isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> replicas.leaderFor(TP, -1))
                .isInstanceOfSatisfying(io.runnel.common.ApiException.class,
                        e -> assertThat(e.error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER));
        assertThat(replicas.read(p, -1, 0, -1, -1, 1 << 20, true, false, true).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(replicas.read(p, 2, 0, -1, -1, 1 << 20, true, false, false).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(replicas.writeTxnMarker(TP, 5, (short) 0, 0, true).join()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(p.log().logEndOffset()).as("no marker appended").isZero();

        // caught up: the real state, applied again, leads (and tells the listener once)
        replicas.releaseLeadership();
        p = lead(5, 10, List.of(1, 2, 3));
        assertThat(replicas.isLeader(p)).isTrue();
        assertThat(replicas.leaderFor(TP, 5)).isSameAs(p);
        assertThat(events).containsExactly("lead t-0@5");
    }
}
