package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.Batches;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.runnel.storage.TestLogs.kv;
import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.values;
import static io.runnel.storage.TestLogs.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    PartitionLog log;

    @AfterEach
    void tearDown() {
        if (log != null) log.close();
    }

    private static Errors errorOf(Throwable t) {
        return ((ApiException) t).error();
    }

    @Test
    void appendAssignsOffsetsAndReadsBack() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        assertThat(log.logEndOffset()).isZero();
        AppendResult r1 = log.appendAsLeader(values(time.milliseconds(), "a", "b", "c"), 0);
        AppendResult r2 = log.appendAsLeader(values(time.milliseconds(), "d"), 0);
        assertThat(r1.firstOffset()).isZero();
        assertThat(r1.lastOffset()).isEqualTo(2);
        assertThat(r1.duplicate()).isFalse();
        assertThat(r1.logAppendTime()).isEqualTo(-1);
        assertThat(r2.firstOffset()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(4);
        assertThat(log.highWatermark()).isZero();
        LogReadResult read = log.read(0, 1 << 20, Long.MAX_VALUE, false);
        assertThat(read.logEndOffset()).isEqualTo(4);
        assertThat(valuesOf(TestLogs.decode(read.records()))).containsExactly("a", "b", "c", "d");
        // reading from the middle of a batch returns the whole batch
        assertThat(TestLogs.decode(log.read(1, 1 << 20, Long.MAX_VALUE, false).records()))
                .extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(log.read(4, 100, Long.MAX_VALUE, false).records().sizeInBytes()).isZero();
        assertThat(Files.exists(dir.resolve("00000000000000000000.log"))).isTrue();
        assertThat(Files.exists(dir.resolve("00000000000000000000.index"))).isTrue();
        assertThat(Files.exists(dir.resolve("00000000000000000000.timeindex"))).isTrue();
        assertThat(PartitionMetadataFile.read(dir)).contains(TestLogs.TOPIC_ID);
    }

    @Test
    void readOutOfRangeThrows() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        TestLogs.appendValues(log, time, 3, "v");
        assertThatThrownBy(() -> log.read(4, 100, Long.MAX_VALUE, true))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
        log.deleteRecordsBefore(2);
        assertThatThrownBy(() -> log.read(1, 100, Long.MAX_VALUE, true))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
        assertThat(valuesOf(TestLogs.decode(log.read(2, 1000, Long.MAX_VALUE, true).records()))).containsExactly("v2");
    }

    @Test
    void readRespectsMaxBytesMinOneBatchAndMaxOffset() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(100_000), time);
        for (int i = 0; i < 50; i++) log.appendAsLeader(values(time.milliseconds(), String.format("value-%02d", i)), 0);
        int batchSize = log.read(0, 1, Long.MAX_VALUE, true).records().sizeInBytes();
        assertThat(batchSize).isGreaterThan(61);
        assertThat(log.read(0, batchSize - 1, Long.MAX_VALUE, false).records().sizeInBytes()).isZero();
        assertThat(log.read(0, batchSize * 3 + 5, Long.MAX_VALUE, false).records().sizeInBytes()).isEqualTo(batchSize * 3);
        // many index entries: jump close to the budget and only count whole batches
        LogReadResult big = log.read(7, batchSize * 20 + 1, Long.MAX_VALUE, false);
        assertThat(TestLogs.decode(big.records())).extracting(Record::offset)
                .containsExactlyElementsOf(Stream.iterate(7L, i -> i + 1).limit(20).toList());
        LogReadResult capped = log.read(10, 1 << 20, 15, false);
        assertThat(TestLogs.decode(capped.records())).extracting(Record::offset).containsExactly(10L, 11L, 12L, 13L, 14L);
        assertThat(log.read(15, 1 << 20, 15, true).records().sizeInBytes()).isZero();
    }

    @Test
    void rollsBySizeAndReadsAcrossSegments() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(1000), time);
        TestLogs.appendValues(log, time, 100, "value-");
        assertThat(log.numberOfSegments()).isGreaterThan(5);
        for (long base : log.segmentBaseOffsets()) {
            assertThat(Files.exists(dir.resolve(LogSegment.fileStem(base) + ".log"))).isTrue();
        }
        List<Record> all = readAll(log, 0, 700);
        assertThat(all).extracting(Record::offset).containsExactlyElementsOf(Stream.iterate(0L, i -> i + 1).limit(100).toList());
        assertThat(valuesOf(all).get(57)).isEqualTo("value-57");
        // rolled segments had their indexes trimmed
        long firstBase = log.segmentBaseOffsets().get(0);
        assertThat(Files.size(dir.resolve(LogSegment.fileStem(firstBase) + ".index")) % 8).isZero();
        assertThat(Files.size(dir.resolve(LogSegment.fileStem(firstBase) + ".index"))).isLessThan(4096);
        // a producer snapshot is taken at each roll
        assertThat(log.producerState.snapshotFiles()).isNotEmpty();
    }

    @Test
    void recordListLargerThanASegmentIsRejected() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(200), time);
        MemoryRecords big = TestLogs.values(time.milliseconds(), "x".repeat(300));
        assertThatThrownBy(() -> log.appendAsLeader(big, 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.RECORD_LIST_TOO_LARGE));
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void validatorErrorsPropagateAndLeaveTheLogUnchanged() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("max.message.bytes", "100")), time);
        assertThatThrownBy(() -> log.appendAsLeader(values(time.milliseconds(), "y".repeat(200)), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.MESSAGE_TOO_LARGE));
        LogConfig compacted = TestLogs.config(Map.of("cleanup.policy", "compact"));
        log.updateConfig(compacted);
        assertThatThrownBy(() -> log.appendAsLeader(values(time.milliseconds(), "no key"), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_RECORD));
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.size()).isZero();
    }

    @Test
    void rollsBySegmentMsUsingRecordTimestamps() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("segment.ms", "1000")), time);
        long t0 = time.milliseconds();
        log.appendAsLeader(values(t0, "a"), 0);
        log.appendAsLeader(values(t0 + 999, "b"), 0);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        log.appendAsLeader(values(t0 + 1001, "c"), 0);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    @Test
    void rollsWhenTheIndexIsFull() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("segment.index.bytes", "24", "index.interval.bytes", "1")), time);
        TestLogs.appendValues(log, time, 10, "v");
        assertThat(log.numberOfSegments()).isGreaterThan(2);
        assertThat(valuesOf(readAll(log))).hasSize(10);
    }

    @Test
    void logAppendTimeTopicStampsTheBrokerTime() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("message.timestamp.type", "LogAppendTime")), time);
        AppendResult r = log.appendAsLeader(values(12345, "a", "b"), 0);
        assertThat(r.logAppendTime()).isEqualTo(time.milliseconds());
        assertThat(readAll(log)).extracting(Record::timestamp).containsOnly(time.milliseconds());
    }

    @Test
    void compressedBatchesStayOpaque() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(100_000), time);
        log.appendAsLeader(TestLogs.compressed(CompressionType.GZIP, time.milliseconds(), 20, "g"), 0);
        log.appendAsLeader(TestLogs.compressed(CompressionType.ZSTD, time.milliseconds(), 5, "z"), 0);
        List<Record> all = readAll(log);
        assertThat(all).hasSize(25);
        assertThat(all.get(21).offset()).isEqualTo(21);
        assertThat(TestLogs.string(all.get(21).value())).isEqualTo("z1");
        RecordBatch first = Batches.iterate(log.read(0, 1 << 20, Long.MAX_VALUE, true).records().readInto()).next();
        assertThat(first.compressionType()).isEqualTo(CompressionType.GZIP);
    }

    @Test
    void highWatermarkIsClampedAndLastStableOffsetFollowsIt() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        log.appendAsLeader(values(time.milliseconds(), "a", "b"), 0);
        assertThat(log.updateHighWatermark(100)).isEqualTo(2);
        assertThat(log.updateHighWatermark(-5)).isZero();
        log.updateHighWatermark(1);
        assertThat(log.lastStableOffset()).isEqualTo(1);
        assertThat(log.read(0, 1000, Long.MAX_VALUE, true).highWatermark()).isEqualTo(1);
    }

    @Test
    void listOffsetsLookups() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(600), time);
        long t = time.milliseconds();
        // timestamps: batch i holds records at t+10i and t+10i+5 (two records per batch)
        for (int i = 0; i < 30; i++) {
            var b = new io.runnel.record.RecordBatchBuilder(CompressionType.NONE, io.runnel.record.TimestampType.CREATE_TIME, 0);
            b.append(t + 10L * i, null, TestLogs.bytes("a" + i), List.of());
            b.append(t + 10L * i + 5, null, TestLogs.bytes("b" + i), List.of());
            log.appendAsLeader(new MemoryRecords(b.build()), 3);
        }
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.numberOfSegments()).isGreaterThan(2);
        assertThat(log.earliestOffset()).isEqualTo(new TimestampAndOffset(-1, 0, 3));
        assertThat(log.latestOffset()).isEqualTo(new TimestampAndOffset(-1, 60, 3));
        assertThat(log.offsetForTimestamp(t)).contains(new TimestampAndOffset(t, 0, 3));
        assertThat(log.offsetForTimestamp(t + 3)).contains(new TimestampAndOffset(t + 5, 1, 3));
        assertThat(log.offsetForTimestamp(t + 101)).contains(new TimestampAndOffset(t + 105, 21, 3));
        assertThat(log.offsetForTimestamp(t + 290)).contains(new TimestampAndOffset(t + 290, 58, 3));
        assertThat(log.offsetForTimestamp(t + 296)).isEmpty();
        assertThat(log.offsetForTimestamp(0)).contains(new TimestampAndOffset(t, 0, 3));
        assertThat(log.maxTimestampOffset()).contains(new TimestampAndOffset(t + 295, 59, 3));
        // the lookup never answers below the log start offset
        log.deleteRecordsBefore(7);
        assertThat(log.offsetForTimestamp(t)).contains(new TimestampAndOffset(t + 35, 7, 3));
    }

    @Test
    void maxTimestampIsTheFirstRecordCarryingIt() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        assertThat(log.maxTimestampOffset()).isEmpty();
        long t = time.milliseconds();
        var b = new io.runnel.record.RecordBatchBuilder(CompressionType.NONE, io.runnel.record.TimestampType.CREATE_TIME, 0);
        b.append(t + 1, null, TestLogs.bytes("a"), List.of());
        b.append(t + 9, null, TestLogs.bytes("b"), List.of());
        b.append(t + 9, null, TestLogs.bytes("c"), List.of());
        b.append(t + 2, null, TestLogs.bytes("d"), List.of());
        log.appendAsLeader(values(t, "x"), 0);
        log.appendAsLeader(new MemoryRecords(b.build()), 0);
        log.appendAsLeader(values(t + 3, "y"), 0);
        assertThat(log.maxTimestampOffset()).contains(new TimestampAndOffset(t + 9, 2, 0));
    }

    @Test
    void deleteRecordsMovesTheStartOffsetAndDeletesWholeSegments() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(600), time);
        TestLogs.appendValues(log, time, 40, "v");
        List<Long> bases = log.segmentBaseOffsets();
        assertThat(bases.size()).isGreaterThan(3);
        long target = bases.get(2) + 1;
        assertThat(log.deleteRecordsBefore(target)).isEqualTo(target);
        assertThat(log.logStartOffset()).isEqualTo(target);
        assertThat(log.segmentBaseOffsets().get(0)).isEqualTo(bases.get(2));
        assertThat(Files.exists(dir.resolve(LogSegment.fileStem(bases.get(0)) + ".log"))).isFalse();
        assertThat(readAll(log).get(0).offset()).isEqualTo(target);
        // lower offsets are a no-op; above the high watermark is out of range
        assertThat(log.deleteRecordsBefore(1)).isEqualTo(target);
        log.updateHighWatermark(35);
        assertThatThrownBy(() -> log.deleteRecordsBefore(36))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
        assertThatThrownBy(() -> log.deleteRecordsBefore(-3))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
        assertThat(log.deleteRecordsBefore(35)).isEqualTo(35);
        assertThat(log.earliestOffset().offset()).isEqualTo(35);
    }

    @Test
    void retentionByTimeDeletesOldSegmentsIncludingTheActiveOne() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.ms", "10000")), time);
        TestLogs.appendValues(log, time, 20, "old");
        int oldSegments = log.numberOfSegments();
        time.sleep(5000);
        TestLogs.appendValues(log, time, 20, "new");
        assertThat(log.deleteOldSegments()).isZero();
        time.sleep(5001);
        int deleted = log.deleteOldSegments();
        assertThat(deleted).isGreaterThanOrEqualTo(oldSegments - 1);
        // segments holding only old records went; the one shared with new records stays
        assertThat(log.logStartOffset()).isGreaterThan(0).isEqualTo(log.segmentBaseOffsets().get(0));
        assertThat(valuesOf(readAll(log))).contains("new0", "new19").doesNotContain("old0");
        assertThat(readAll(log).get(0).offset()).isEqualTo(log.logStartOffset());
        time.sleep(5000);
        log.deleteOldSegments();
        // everything expired: the log rolled and is empty, the end offset is kept
        assertThat(log.numberOfSegments()).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(40);
        assertThat(log.logEndOffset()).isEqualTo(40);
        assertThat(log.size()).isZero();
        AppendResult r = log.appendAsLeader(values(time.milliseconds(), "after"), 0);
        assertThat(r.firstOffset()).isEqualTo(40);
    }

    @Test
    void retentionNeverPassesTheHighWatermark() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.ms", "10")), time);
        for (int i = 0; i < 20; i++) log.appendAsLeader(values(time.milliseconds(), "v" + i), 0);
        time.sleep(100);
        assertThat(log.deleteOldSegments()).isZero(); // HW is 0
        log.updateHighWatermark(log.segmentBaseOffsets().get(2));
        assertThat(log.deleteOldSegments()).isEqualTo(2);
    }

    @Test
    void retentionBySizeKeepsTheActiveSegment() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.bytes", "0")), time);
        TestLogs.appendValues(log, time, 30, "v");
        long activeBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        log.deleteOldSegments();
        assertThat(log.segmentBaseOffsets()).containsExactly(activeBase);
        assertThat(log.logStartOffset()).isEqualTo(activeBase);

        log.updateConfig(TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.bytes", "1200")));
        TestLogs.appendValues(log, time, 60, "w");
        log.deleteOldSegments();
        long sizeWithoutActive = log.size() - log.activeSegment().size();
        assertThat(sizeWithoutActive).isLessThanOrEqualTo(1200);
        assertThat(log.size()).isGreaterThan(1200 - 600);
    }

    @Test
    void compactOnlyLogsIgnoreTimeAndSizeRetention() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.ms", "1",
                "retention.bytes", "1", "cleanup.policy", "compact")), time);
        for (int i = 0; i < 30; i++) log.appendAsLeader(kv(time.milliseconds(), "k" + i, "v"), 0);
        log.updateHighWatermark(log.logEndOffset());
        time.sleep(100);
        assertThat(log.deleteOldSegments()).isZero();
    }

    @Test
    void truncateToRemovesWholeBatchesAndRestoresState() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(600), time);
        for (int i = 0; i < 20; i++) log.appendAsLeader(values(time.milliseconds(), "a" + i, "b" + i), i < 10 ? 1 : 2);
        log.updateHighWatermark(40);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 20));
        log.truncateTo(25); // inside the batch 24..25: it goes entirely
        assertThat(log.logEndOffset()).isEqualTo(24);
        assertThat(log.highWatermark()).isEqualTo(24);
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 24));
        log.truncateTo(17);
        assertThat(log.logEndOffset()).isEqualTo(16);
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 16));
        log.truncateTo(10);
        assertThat(log.logEndOffset()).isEqualTo(10);
        assertThat(log.latestEpoch()).hasValue(1);
        assertThat(readAll(log)).extracting(Record::offset).containsExactlyElementsOf(Stream.iterate(0L, i -> i + 1).limit(10).toList());
        AppendResult r = log.appendAsLeader(values(time.milliseconds(), "c"), 3);
        assertThat(r.firstOffset()).isEqualTo(10);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 10));
        log.truncateTo(0);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.size()).isZero();
    }

    @Test
    void truncateFullyRestartsAtANewOffset() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(600), time);
        TestLogs.appendValues(log, time, 10, "v");
        log.truncateFullyAndStartAt(100);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.segmentBaseOffsets()).containsExactly(100L);
        assertThat(log.appendAsLeader(values(time.milliseconds(), "x"), 0).firstOffset()).isEqualTo(100);
    }

    @Test
    void leaderEpochCacheTracksNewEpochs() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        log.appendAsLeader(values(time.milliseconds(), "a", "b"), 0);
        log.appendAsLeader(values(time.milliseconds(), "c"), 0);
        log.appendAsLeader(values(time.milliseconds(), "d"), 2);
        log.appendAsLeader(values(time.milliseconds(), "e"), 5);
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 3));
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(0, 3));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 4));
        assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 5));
        assertThat(log.endOffsetForEpoch(6)).isEqualTo(EpochEndOffset.UNDEFINED);
        List<String> lines = Files.readAllLines(dir.resolve(LeaderEpochCache.FILE_NAME));
        assertThat(lines).containsExactly("0", "3", "0 0", "2 3", "5 4");
    }

    @Test
    void flushMessagesAdvancesTheRecoveryPoint() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("flush.messages", "3")), time);
        log.appendAsLeader(values(time.milliseconds(), "a", "b"), 0);
        assertThat(log.recoveryPoint()).isZero();
        log.appendAsLeader(values(time.milliseconds(), "c"), 0);
        assertThat(log.recoveryPoint()).isEqualTo(3);
        log.appendAsLeader(values(time.milliseconds(), "d"), 0);
        assertThat(log.recoveryPoint()).isEqualTo(3);
        log.flush();
        assertThat(log.recoveryPoint()).isEqualTo(4);
    }

    @Test
    void flushMsFlushesWhenDue() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("flush.ms", "1000")), time);
        log.appendAsLeader(values(time.milliseconds(), "a"), 0);
        log.maybeFlushByTime();
        assertThat(log.recoveryPoint()).isZero();
        time.sleep(1000);
        log.maybeFlushByTime();
        assertThat(log.recoveryPoint()).isEqualTo(1);
    }

    @Test
    void coordinatorAppendsAssignOffsetsWithoutClientChecks() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        log.appendAsLeader(values(time.milliseconds(), "a"), 0);
        ByteBuffer two = ByteBuffer.allocate(2000);
        two.put(values(time.milliseconds(), "b", "c").buffer());
        two.put(values(time.milliseconds() + 5, "d").buffer());
        two.flip();
        AppendResult r = log.appendAsCoordinator(new MemoryRecords(two), 4);
        assertThat(r.firstOffset()).isEqualTo(1);
        assertThat(r.lastOffset()).isEqualTo(3);
        assertThat(r.offsetOfMaxTimestamp()).isEqualTo(3);
        assertThat(readAll(log)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(valuesOf(readAll(log))).containsExactly("a", "b", "c", "d");
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 1));
        ByteBuffer bad = values(time.milliseconds(), "e").buffer();
        bad.put(bad.limit() - 1, (byte) 0x55);
        assertThatThrownBy(() -> log.appendAsCoordinator(new MemoryRecords(bad), 4))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.CORRUPT_MESSAGE));
        assertThat(log.logEndOffset()).isEqualTo(4);
    }

    @Test
    void duplicateOnALogAppendTimeTopicReportsTheOriginalAppendTime() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("message.timestamp.type", "LogAppendTime")), time);
        long t0 = time.milliseconds();
        AppendResult first = log.appendAsLeader(TestLogs.idempotent(3, (short) 0, 0, 1, 2), 0);
        assertThat(first.logAppendTime()).isEqualTo(t0);
        time.sleep(100);
        AppendResult dup = log.appendAsLeader(TestLogs.idempotent(3, (short) 0, 0, 1, 2), 0);
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.logAppendTime()).isEqualTo(t0);
    }

    @Test
    void emptyRecordsAppendNothing() throws IOException {
        log = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        AppendResult r = log.appendAsLeader(MemoryRecords.EMPTY, 0);
        assertThat(r.firstOffset()).isEqualTo(-1);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void closedLogRejectsAppends() throws IOException {
        PartitionLog l = TestLogs.open(dir, TestLogs.smallConfig(10_000), time);
        l.close();
        assertThatThrownBy(() -> l.appendAsLeader(values(time.milliseconds(), "a"), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.KAFKA_STORAGE_ERROR));
    }

    @Test
    void preallocatedSegmentsAreTrimmedOnRollAndClose() throws IOException {
        log = TestLogs.open(dir, TestLogs.config(Map.of("internal.segment.bytes", "2000", "preallocate", "true")), time);
        assertThat(Files.size(dir.resolve("00000000000000000000.log"))).isEqualTo(2000);
        TestLogs.appendValues(log, time, 40, "v");
        long first = log.segmentBaseOffsets().get(0);
        assertThat(Files.size(dir.resolve(LogSegment.fileStem(first) + ".log"))).isLessThan(2000);
        List<String> before = valuesOf(readAll(log));
        log.close();
        long lastBase = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        assertThat(Files.size(dir.resolve(LogSegment.fileStem(lastBase) + ".log"))).isLessThan(2000);
        log = TestLogs.reopen(dir, TestLogs.config(Map.of("internal.segment.bytes", "2000", "preallocate", "true")), time, true);
        assertThat(valuesOf(readAll(log))).isEqualTo(before);
    }
}
