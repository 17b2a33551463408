package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.runnel.storage.FollowerLogs.appendInChunks;
import static io.runnel.storage.FollowerLogs.assertSameLog;
import static io.runnel.storage.FollowerLogs.batchAt;
import static io.runnel.storage.FollowerLogs.batchBytes;
import static io.runnel.storage.FollowerLogs.batches;
import static io.runnel.storage.FollowerLogs.concat;
import static io.runnel.storage.TestLogs.bytes;
import static io.runnel.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PartitionLog#appendAsFollower}, {@link PartitionLog#assignEpochStartOffset} and the follower's log start offset. */
class PartitionLogFollowerTest {
    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;
    final MockTime time = new MockTime();
    final LogConfig leaderConfig = TestLogs.smallConfig(1000);
    final LogConfig followerConfig = TestLogs.smallConfig(700);
    final List<PartitionLog> open = new ArrayList<>();
    PartitionLog leader;

    @AfterEach
    void tearDown() {
        for (PartitionLog l : open) l.close();
    }

    private PartitionLog openLog(Path dir, LogConfig config) throws IOException {
        PartitionLog l = TestLogs.open(dir, config, time);
        open.add(l);
        return l;
    }

    private PartitionLog reopen(Path dir, LogConfig config, boolean clean) throws IOException {
        PartitionLog l = TestLogs.reopen(dir, config, time, clean);
        open.add(l);
        return l;
    }

    /** Opens and fills {@link #leader} (see {@link FollowerLogs#fillLeader}); returns its batches. */
    private List<ByteBuffer> leaderBatches() throws IOException {
        leader = openLog(leaderDir, leaderConfig);
        FollowerLogs.fillLeader(leader, time);
        return batches(leader, 0);
    }

    /** The leader's log, replicated into a fresh follower in random chunks. */
    private PartitionLog[] replicated(long seed) throws IOException {
        List<ByteBuffer> all = leaderBatches();
        PartitionLog follower = openLog(followerDir, followerConfig);
        appendInChunks(follower, all, new Random(seed), 6);
        return new PartitionLog[] {leader, follower};
    }

    @Test
    void followerHoldsTheLeadersBatchesAndState() throws IOException {
        PartitionLog follower = replicated(1)[1];
        assertThat(follower.highWatermark()).as("the append does not move the HW").isZero();
        assertThat(follower.lastStableOffset()).isZero();
        assertSameLog(leader, follower);
        // the scenario is what it claims: three epochs, an abort indexed, an open transaction holding the LSO back
        assertThat(leader.endOffsetForEpoch(2).leaderEpoch()).isEqualTo(1);
        assertThat(follower.abortedTransactions(0, follower.logEndOffset())).hasSize(2);
        assertThat(follower.lastStableOffset()).isLessThan(follower.logEndOffset());
        assertThat(follower.numberOfSegments()).isGreaterThan(1);
        assertThat(follower.producerStates()).hasSize(5);
    }

    @Test
    void sameStateAfterACleanRestart() throws IOException {
        PartitionLog[] logs = replicated(2);
        PartitionLog follower = logs[1];
        follower.close();
        open.remove(follower);
        assertSameLog(logs[0], reopen(followerDir, followerConfig, true));
    }

    @Test
    void sameStateAfterACrash() throws IOException {
        PartitionLog[] logs = replicated(3);
        open.remove(logs[1]); // abandoned unclosed, as kill -9 would
        assertSameLog(logs[0], reopen(followerDir, followerConfig, false));
    }

    @Test
    void chunksLargerThanASegmentAreSplitAtBatchBoundaries() throws IOException {
        MemoryRecords all = concat(leaderBatches());
        PartitionLog follower = openLog(followerDir, TestLogs.smallConfig(400));
        assertThat(all.sizeInBytes()).isGreaterThan(2000);
        follower.appendAsFollower(all);
        assertSameLog(leader, follower);
        assertThat(follower.numberOfSegments()).isGreaterThan(4);
        List<Long> bases = follower.segmentBaseOffsets();
        for (int i = 0; i + 1 < bases.size(); i++) {
            long size = follower.segments.get(bases.get(i)).size();
            assertThat(size).as("segment %d", bases.get(i)).isLessThanOrEqualTo(400);
        }
    }

    @Test
    void truncatingAtTheLogEndDropsAnEpochWithoutRecords() throws IOException {
        // b led epoch 1 from its log end but appended nothing in it; the leader's epoch 0 ends at that same offset
        PartitionLog b = openLog(followerDir, followerConfig);
        b.appendAsLeader(values(time.milliseconds(), "x", "y"), 0);
        long end = b.logEndOffset();
        b.assignEpochStartOffset(1, end);
        assertThat(b.latestEpoch()).hasValue(1);
        b.truncateTo(end);
        assertThat(b.logEndOffset()).isEqualTo(end);
        assertThat(b.latestEpoch()).as("the epoch with no records is gone, the fetch can go on from epoch 0").hasValue(0);
        assertThat(b.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, end));
    }

    @Test
    void divergingFollowerTruncatesAndCatchesUp() throws IOException {
        // a common prefix in epoch 0
        PartitionLog a = openLog(leaderDir, leaderConfig);
        PartitionLog b = openLog(followerDir, followerConfig);
        a.appendAsLeader(TestLogs.idempotent(1, (short) 0, 0, time.milliseconds(), 2), 0);
        a.appendAsLeader(values(time.milliseconds(), "x", "y"), 0);
        b.appendAsFollower(concat(batches(a, 0)));
        long x = b.logEndOffset();
        // b leads epoch 1 and writes what a never gets
        b.assignEpochStartOffset(1, x);
        b.appendAsLeader(values(time.milliseconds(), "lost-1", "lost-2"), 1);
        b.appendAsLeader(TestLogs.txn(9, (short) 0, 0, time.milliseconds(), 1), 1);
        b.appendAsLeader(TestLogs.idempotent(1, (short) 0, 2, time.milliseconds(), 3), 1);
        // a leads epoch 2 from x
        a.assignEpochStartOffset(2, a.logEndOffset());
        a.appendAsLeader(values(time.milliseconds(), "kept-1"), 2);
        a.appendAsLeader(TestLogs.idempotent(1, (short) 0, 2, time.milliseconds(), 1), 2);
        a.appendAsLeader(TestLogs.compressed(CompressionType.SNAPPY, time.milliseconds(), 3, "s"), 2);
        // b asks a where its last epoch ended (as DivergingEpoch / OffsetForLeaderEpoch would answer)
        EpochEndOffset answer = a.endOffsetForEpoch(b.latestEpoch().getAsInt());
        assertThat(answer).isEqualTo(new EpochEndOffset(0, x));
        b.truncateTo(Math.min(answer.endOffset(), b.logEndOffset()));
        b.appendAsFollower(concat(batches(a, b.logEndOffset())));
        assertSameLog(a, b);
        assertThat(b.producerStates()).extracting(ProducerStateInfo::producerId).containsExactly(1L);
    }

    /**
     * A replica elected leader that appended nothing before losing leadership has an epoch starting at its log end;
     * the new leader's log has no such epoch. Truncating to the divergence point (its log end) must drop that epoch,
     * or every fetch with it as LastFetchedEpoch diverges at the same offset again (ReplicationFaultsIT found a
     * follower that never caught up that way).
     */
    @Test
    void truncatingToTheLogEndDropsAnEpochWithoutRecords() throws IOException {
        PartitionLog b = openLog(followerDir, followerConfig);
        b.appendAsLeader(values(time.milliseconds(), "x", "y"), 0);
        long end = b.logEndOffset();
        b.assignEpochStartOffset(2, end); // led epoch 2 briefly, appended nothing
        assertThat(b.latestEpoch()).hasValue(2);

        b.truncateTo(end); // the leader (epoch 3 from `end`) says epoch 0 ends at `end`

        assertThat(b.logEndOffset()).isEqualTo(end);
        assertThat(b.latestEpoch()).hasValue(0);
        assertThat(b.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, end));
    }

    @Test
    void overlappingOrBackwardsOffsetsAreRefusedAndNothingIsAppended() throws IOException {
        List<ByteBuffer> all = leaderBatches();
        PartitionLog follower = openLog(followerDir, followerConfig);
        follower.appendAsFollower(concat(all.subList(0, 4)));
        List<byte[]> before = batchBytes(follower);
        long leo = follower.logEndOffset();

        // the last batch again (a fetch from below the log end)
        assertRefused(follower, concat(all.subList(3, 6)), Errors.OFFSET_OUT_OF_RANGE);
        // valid first batch, then one going backwards
        assertRefused(follower, concat(List.of(all.get(4), all.get(5), all.get(4))), Errors.OFFSET_OUT_OF_RANGE);
        assertRefused(follower, concat(List.of(all.get(4), all.get(4))), Errors.OFFSET_OUT_OF_RANGE);

        assertThat(follower.logEndOffset()).isEqualTo(leo);
        assertThat(batchBytes(follower)).containsExactlyElementsOf(before);
        // and the log carries on where it was
        follower.appendAsFollower(concat(all.subList(4, all.size())));
        assertSameLog(leader, follower);
    }

    @Test
    void corruptBatchesAreRefusedAndNothingIsAppended() throws IOException {
        List<ByteBuffer> all = leaderBatches();
        PartitionLog follower = openLog(followerDir, followerConfig);
        follower.appendAsFollower(concat(all.subList(0, 2)));
        long leo = follower.logEndOffset();
        List<byte[]> before = batchBytes(follower);
        var producersBefore = follower.producerStates();

        MemoryRecords good = concat(all.subList(2, 5));
        // a flipped byte in the records of the second batch: CRC mismatch
        ByteBuffer flipped = copy(good.buffer());
        int second = all.get(2).remaining();
        int at = second + RecordBatch.HEADER_SIZE + 2;
        flipped.put(at, (byte) (flipped.get(at) ^ 0x5a));
        assertRefused(follower, new MemoryRecords(flipped), Errors.CORRUPT_MESSAGE);
        // a torn last batch
        ByteBuffer torn = copy(good.buffer());
        torn.limit(torn.limit() - 3);
        assertRefused(follower, new MemoryRecords(torn), Errors.CORRUPT_MESSAGE);
        // not a v2 batch
        ByteBuffer magic = copy(good.buffer());
        magic.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertRefused(follower, new MemoryRecords(magic), Errors.CORRUPT_MESSAGE);

        assertThat(follower.logEndOffset()).isEqualTo(leo);
        assertThat(batchBytes(follower)).containsExactlyElementsOf(before);
        assertThat(follower.producerStates()).isEqualTo(producersBefore);
        follower.appendAsFollower(concat(all.subList(2, all.size())));
        assertSameLog(leader, follower);
    }

    @Test
    void severalMarkersInOneAppendIndexTheLeadersLastStableOffsets() throws IOException {
        leader = openLog(leaderDir, leaderConfig);
        leader.appendAsLeader(TestLogs.txn(10, (short) 0, 0, time.milliseconds(), 1), 0);  // 0
        leader.appendAsLeader(TestLogs.txn(11, (short) 0, 0, time.milliseconds(), 1), 0);  // 1
        leader.appendControlBatch(10, (short) 0, 0, false, 0);                              // 2: LSO stays at 1
        leader.appendControlBatch(11, (short) 0, 0, false, 0);                              // 3
        leader.appendAsLeader(TestLogs.txn(12, (short) 0, 0, time.milliseconds(), 1), 0);  // 4
        leader.appendControlBatch(12, (short) 0, 0, false, 0);                              // 5
        assertThat(leader.abortedTransactions(0, 6)).containsExactly(new AbortedTxn(10, 0, 2, 1),
                new AbortedTxn(11, 1, 3, 4), new AbortedTxn(12, 4, 5, 6));
        PartitionLog follower = openLog(followerDir, followerConfig);
        follower.appendAsFollower(concat(batches(leader, 0)));
        assertSameLog(leader, follower);
    }

    @Test
    void emptyRecordsAppendNothing() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        follower.appendAsFollower(new MemoryRecords(batchAt(0, 2, 0, 1000)));
        AppendResult r = follower.appendAsFollower(MemoryRecords.EMPTY);
        assertThat(r.firstOffset()).isEqualTo(-1);
        assertThat(r.lastOffset()).isEqualTo(-1);
        assertThat(follower.logEndOffset()).isEqualTo(2);
    }

    @Test
    void offsetGapsFromCompactionAreKept() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        ByteBuffer first = batchAt(5, 2, 0, 1000);   // 5-6 (0-4 compacted away)
        ByteBuffer second = batchAt(20, 3, 1, 1001); // 20-22
        AppendResult r = follower.appendAsFollower(concat(List.of(first, second)));
        assertThat(r.firstOffset()).isEqualTo(5);
        assertThat(r.lastOffset()).isEqualTo(22);
        assertThat(follower.logEndOffset()).isEqualTo(23);
        assertThat(follower.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 20));
        assertThat(follower.read(10, 1000, Long.MAX_VALUE, true).records().readInto())
                .as("an offset in the gap reads the next batch").isEqualTo(second);
        assertThat(TestLogs.offsetsOf(TestLogs.readAll(follower))).containsExactly(5L, 6L, 20L, 21L, 22L);
    }

    @Test
    void aGapBeyondTheRelativeOffsetRangeRollsAtTheNextBatch() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        long far = 5_000_000_000L;
        follower.appendAsFollower(new MemoryRecords(batchAt(0, 2, 0, 1000)));
        follower.appendAsFollower(concat(List.of(batchAt(far, 2, 0, 1001), batchAt(far + 2, 1, 0, 1002))));
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, far);
        assertThat(follower.logEndOffset()).isEqualTo(far + 3);
        // and within one append
        follower.appendAsFollower(concat(List.of(batchAt(2 * far, 1, 0, 1003), batchAt(3 * far, 1, 0, 1004))));
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, far, 2 * far, 3 * far);
        List<byte[]> before = batchBytes(follower);
        open.remove(follower);
        PartitionLog reopened = reopen(followerDir, followerConfig, false);
        assertThat(reopened.logEndOffset()).isEqualTo(3 * far + 1);
        assertThat(batchBytes(reopened)).containsExactlyElementsOf(before);
    }

    @Test
    void anEmptyLogStartsAtTheFirstBatchAfterAGap() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        long far = 3_000_000_000L;
        follower.appendAsFollower(new MemoryRecords(batchAt(far, 2, 0, 1000)));
        assertThat(follower.segmentBaseOffsets()).containsExactly(far);
        assertThat(follower.logEndOffset()).isEqualTo(far + 2);
    }

    @Test
    void rollsBySegmentMsOnRecordTimestamps() throws IOException {
        LogConfig cfg = TestLogs.config(Map.of(LogConfig.SEGMENT_MS, "1000"));
        PartitionLog follower = openLog(followerDir, cfg);
        follower.appendAsFollower(new MemoryRecords(batchAt(0, 1, 0, 10_000)));
        follower.appendAsFollower(new MemoryRecords(batchAt(1, 1, 0, 10_500)));
        follower.appendAsFollower(new MemoryRecords(batchAt(2, 1, 0, 12_000)));
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    @Test
    void flushesByFlushMessages() throws IOException {
        LogConfig cfg = TestLogs.config(Map.of(LogConfig.FLUSH_MESSAGES, "3"));
        PartitionLog follower = openLog(followerDir, cfg);
        follower.appendAsFollower(new MemoryRecords(batchAt(0, 2, 0, 1000)));
        assertThat(follower.recoveryPoint()).isZero();
        follower.appendAsFollower(new MemoryRecords(batchAt(2, 2, 0, 1000)));
        assertThat(follower.recoveryPoint()).isEqualTo(4);
    }

    @Test
    void aSmallerProducerEpochFromTheLeaderIsAccepted() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        ByteBuffer newer = producerBatch(0, 7, (short) 3, 0);
        ByteBuffer older = producerBatch(1, 7, (short) 1, 5);
        follower.appendAsFollower(concat(List.of(newer, older)));
        assertThat(follower.logEndOffset()).isEqualTo(2);
        // the state a restart replays from the same batches
        assertThat(follower.producerStates()).containsExactly(new ProducerStateInfo(7, (short) 1, 5, 1000, -1, -1));
        open.remove(follower);
        assertThat(reopen(followerDir, followerConfig, false).producerStates())
                .containsExactly(new ProducerStateInfo(7, (short) 1, 5, 1000, -1, -1));
    }

    @Test
    void sequencesAreNotCheckedNorDuplicatesDropped() throws IOException {
        PartitionLog follower = openLog(followerDir, followerConfig);
        // the same producer epoch and sequence twice, then a sequence gap: a leader would refuse or deduplicate
        follower.appendAsFollower(concat(List.of(producerBatch(0, 7, (short) 0, 0), producerBatch(1, 7, (short) 0, 0),
                producerBatch(2, 7, (short) 0, 9))));
        assertThat(follower.logEndOffset()).isEqualTo(3);
        assertThat(follower.producerStates()).containsExactly(new ProducerStateInfo(7, (short) 0, 9, 1000, -1, -1));
    }

    @Test
    void assignEpochStartOffsetAnswersThePreviousEpochsEnd() throws IOException {
        PartitionLog log = openLog(followerDir, followerConfig);
        log.appendAsFollower(concat(List.of(batchAt(0, 3, 0, 1000), batchAt(3, 2, 1, 1000))));
        log.assignEpochStartOffset(2, log.logEndOffset());
        assertThat(log.latestEpoch()).hasValue(2);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 5));
        // an epoch not above the latest is ignored
        log.assignEpochStartOffset(2, 7);
        log.assignEpochStartOffset(1, 0);
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 3));
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
        // batches of the new epoch continue it
        log.appendAsLeader(values(time.milliseconds(), "e2"), 2);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 6));
    }

    @Test
    void anAssignedEpochSurvivesACleanRestart() throws IOException {
        epochSurvivesRestart(true);
    }

    @Test
    void anAssignedEpochSurvivesACrash() throws IOException {
        epochSurvivesRestart(false);
    }

    private void epochSurvivesRestart(boolean clean) throws IOException {
        PartitionLog log = openLog(followerDir, followerConfig);
        log.appendAsFollower(concat(List.of(batchAt(0, 3, 0, 1000), batchAt(3, 2, 1, 1000))));
        log.assignEpochStartOffset(4, 5);
        if (clean) log.close();
        open.remove(log);
        PartitionLog reopened = reopen(followerDir, followerConfig, clean);
        assertThat(reopened.latestEpoch()).hasValue(4);
        assertThat(reopened.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(reopened.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(reopened.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 3));
    }

    @Test
    void recoveryAfterACrashKeepsWhereOlderEpochsStarted() throws IOException {
        LogConfig oneBatchPerSegment = TestLogs.smallConfig(100);
        PartitionLog log = openLog(followerDir, oneBatchPerSegment);
        log.appendAsFollower(concat(List.of(batchAt(0, 3, 0, 1000), batchAt(3, 2, 1, 1000), batchAt(5, 2, 1, 1000),
                batchAt(7, 2, 2, 1000))));
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 5L, 7L);
        open.remove(log); // abandoned; the broker had checkpointed recovery point 5 (inside epoch 1)
        PartitionLog reopened = LogLoader.load(new LogLoader.Params(followerDir, TestLogs.TP, TestLogs.TOPIC_ID,
                oneBatchPerSegment, time, Scheduler.INLINE, LogSegment.ChannelFactory.DEFAULT, 5L, 0L, 0L, false));
        open.add(reopened);
        assertThat(reopened.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 3));
        assertThat(reopened.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 7));
        assertThat(reopened.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 9));
    }

    @Test
    void truncationDropsAnAssignedEpochAtOrAboveTheNewEnd() throws IOException {
        PartitionLog log = openLog(followerDir, followerConfig);
        log.appendAsFollower(concat(List.of(batchAt(0, 3, 0, 1000), batchAt(3, 2, 1, 1000))));
        log.assignEpochStartOffset(2, 5);
        log.truncateTo(3);
        assertThat(log.latestEpoch()).hasValue(0);
    }

    @Test
    void logStartOffsetFollowsTheLeaderUpToTheHighWatermark() throws IOException {
        PartitionLog follower = openLog(followerDir, TestLogs.smallConfig(200));
        List<ByteBuffer> bs = new ArrayList<>();
        for (int i = 0; i < 10; i++) bs.add(batchAt(i * 2L, 2, 0, 1000));
        follower.appendAsFollower(concat(bs));
        int segments = follower.numberOfSegments();
        assertThat(segments).isGreaterThan(3);
        follower.updateHighWatermark(8);
        follower.maybeIncrementLogStartOffset(15); // the leader is ahead of this replica's HW
        assertThat(follower.logStartOffset()).isEqualTo(8);
        assertThat(follower.segmentBaseOffsets().get(0)).isPositive().isLessThanOrEqualTo(8);
        assertThat(follower.numberOfSegments()).isLessThan(segments);
        follower.maybeIncrementLogStartOffset(3); // below: nothing
        assertThat(follower.logStartOffset()).isEqualTo(8);
        follower.updateHighWatermark(20);
        follower.maybeIncrementLogStartOffset(15);
        assertThat(follower.logStartOffset()).isEqualTo(15);
        assertThat(follower.read(15, 100, Long.MAX_VALUE, true).records().sizeInBytes()).isPositive();
        assertThatThrownBy(() -> follower.read(13, 100, Long.MAX_VALUE, true))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
    }

    private static ByteBuffer producerBatch(long baseOffset, long pid, short epoch, int seq) {
        return new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, baseOffset)
                .producer(pid, epoch, seq).partitionLeaderEpoch(0)
                .append(1000, bytes("k"), bytes("v"), List.of()).build();
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate());
        return c.flip();
    }

    private static void assertRefused(PartitionLog log, MemoryRecords records, Errors error) {
        assertThatThrownBy(() -> log.appendAsFollower(records))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error()).isEqualTo(error));
    }
}
