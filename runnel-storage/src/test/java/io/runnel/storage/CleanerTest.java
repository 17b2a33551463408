package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.record.Batches;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.runnel.storage.TestLogs.bytes;
import static io.runnel.storage.TestLogs.kv;
import static io.runnel.storage.TestLogs.readAll;
import static io.runnel.storage.TestLogs.string;
import static org.assertj.core.api.Assertions.assertThat;

class CleanerTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "1000", "cleanup.policy", "compact",
            "delete.retention.ms", "1000", "min.cleanable.dirty.ratio", "0.01"));
    final LogManagerConfig managerConfig = LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 50);
    final List<PartitionLog> logs = new ArrayList<>();
    PartitionLog log;
    LogCleaner cleaner;

    @AfterEach
    void tearDown() {
        for (PartitionLog l : logs) l.close();
    }

    private PartitionLog open(LogConfig cfg) throws IOException {
        PartitionLog l = TestLogs.open(dir, cfg, time);
        logs.add(l);
        cleaner = new LogCleaner(managerConfig, time, () -> List.copyOf(logs));
        return l;
    }

    /** Writes rounds × keys records (one per batch), key k{i}, value r{round}-k{i}. */
    private void writeRounds(PartitionLog l, int rounds, int keys) {
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < keys; k++) l.appendAsLeader(kv(time.milliseconds(), "k" + k, "r" + r + "-k" + k), 0);
        }
        l.updateHighWatermark(l.logEndOffset());
    }

    /** key → last value among records below {@code end} (null value kept as null). */
    private static Map<String, String> latest(List<Record> records) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Record r : records) m.put(string(r.key()), string(r.value()));
        return m;
    }

    @Test
    void keepsOnlyTheLatestRecordPerKeyWithOffsetsPreserved() throws IOException {
        log = open(config);
        writeRounds(log, 10, 5);
        List<Record> before = readAll(log);
        Map<String, String> expected = latest(before);
        long activeBase = log.activeSegment().baseOffset();
        long sizeBefore = log.size();

        Cleaner.Result r = cleaner.cleanLog(log).orElseThrow();
        assertThat(r.endOffset()).isEqualTo(activeBase);
        assertThat(log.size()).isLessThan(sizeBefore);
        List<Record> after = readAll(log);
        assertThat(latest(after)).isEqualTo(expected);
        // below the active segment, each key appears once
        List<String> cleanedKeys = after.stream().filter(x -> x.offset() < activeBase).map(x -> string(x.key())).toList();
        assertThat(cleanedKeys).doesNotHaveDuplicates();
        // every surviving record kept its original offset and content
        Map<Long, Record> byOffset = new HashMap<>();
        for (Record x : before) byOffset.put(x.offset(), x);
        for (Record x : after) assertThat(x).isEqualTo(byOffset.get(x.offset()));
        // the active segment is untouched
        assertThat(after.stream().filter(x -> x.offset() >= activeBase).toList())
                .isEqualTo(before.stream().filter(x -> x.offset() >= activeBase).toList());
        // reading from any offset works (gaps are skipped)
        for (long o = 0; o < log.logEndOffset(); o++) {
            List<Record> got = TestLogs.decode(log.read(o, 1 << 20, Long.MAX_VALUE, true).records());
            assertThat(got).isNotEmpty();
            long offset = o;
            assertThat(got.stream().anyMatch(x -> x.offset() >= offset)).isTrue();
        }
        assertThat(cleaner.checkpoint(TestLogs.TP)).hasValue(activeBase);
        assertThat(log.logEndOffset()).isEqualTo(50);
        assertThat(log.appendAsLeader(kv(time.milliseconds(), "k1", "new"), 0).firstOffset()).isEqualTo(50);
    }

    @Test
    void cleaningIsIncrementalAndSurvivesRestart() throws IOException {
        log = open(config);
        writeRounds(log, 5, 5);
        cleaner.cleanLog(log).orElseThrow();
        writeRounds(log, 5, 5);
        Map<String, String> expected = latest(readAll(log));
        Cleaner.Result second = cleaner.cleanLog(log).orElseThrow();
        assertThat(second.firstDirtyOffset()).isGreaterThan(0);
        assertThat(latest(readAll(log))).isEqualTo(expected);
        log.close();
        logs.clear();
        log = open(config);
        assertThat(latest(readAll(log))).isEqualTo(expected);
        assertThat(log.logEndOffset()).isEqualTo(50);
    }

    @Test
    void tombstonesSurviveTheirFirstCleaningThenGoAfterDeleteRetention() throws IOException {
        log = open(config);
        writeRounds(log, 3, 4);
        log.appendAsLeader(kv(time.milliseconds(), "k2", null), 0); // tombstone
        writeRounds(log, 3, 1); // only k0 again, pushes the tombstone out of the active segment
        writeRounds(log, 5, 1);
        cleaner.cleanLog(log).orElseThrow();
        Map<String, String> afterFirst = latest(readAll(log));
        assertThat(afterFirst).containsEntry("k2", null);
        assertThat(readAll(log).stream().filter(r -> string(r.key()).equals("k2")).count()).isEqualTo(1);
        // the batch holding it now carries a delete horizon
        assertThat(hasDeleteHorizonBatch(log)).isTrue();

        time.sleep(500);
        cleaner.cleanLog(log).orElseThrow();
        assertThat(latest(readAll(log))).containsEntry("k2", null);

        time.sleep(600);
        cleaner.cleanLog(log).orElseThrow();
        Map<String, String> afterHorizon = latest(readAll(log));
        assertThat(afterHorizon).doesNotContainKey("k2");
        assertThat(afterHorizon).containsKeys("k0", "k1", "k3");
    }

    private static boolean hasDeleteHorizonBatch(PartitionLog l) {
        ByteBuffer all = l.read(l.logStartOffset(), 1 << 20, Long.MAX_VALUE, true).records().readInto();
        var it = Batches.iterate(all);
        while (it.hasNext()) if (it.next().hasDeleteHorizon()) return true;
        return false;
    }

    @Test
    void keylessRecordsAreDropped() throws IOException {
        log = open(TestLogs.config(Map.of("internal.segment.bytes", "1000")));
        for (int i = 0; i < 20; i++) log.appendAsLeader(TestLogs.values(time.milliseconds(), "nokey" + i), 0);
        log.updateConfig(config);
        writeRounds(log, 4, 3);
        cleaner.cleanLog(log).orElseThrow();
        long activeBase = log.activeSegment().baseOffset();
        assertThat(readAll(log).stream().filter(r -> r.offset() < activeBase)).allMatch(r -> r.key() != null);
    }

    @Test
    void controlBatchesAreKept() throws IOException {
        log = open(config);
        MemoryRecords txn = new MemoryRecords(new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(11, (short) 0, 0).transactional(true)
                .append(time.milliseconds(), bytes("k0"), bytes("txn"), List.of()).build());
        log.appendAsLeader(txn, 0);
        ByteBuffer key = ByteBuffer.allocate(4).putShort((short) 0).putShort((short) 1); // commit marker
        ByteBuffer value = ByteBuffer.allocate(6).putShort((short) 0).putInt(0);
        MemoryRecords marker = new MemoryRecords(new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(11, (short) 0, -1).transactional(true).controlBatch(true)
                .append(time.milliseconds(), key.array(), value.array(), List.of()).build());
        AppendResult m = log.appendAsCoordinator(marker, 0);
        assertThat(m.firstOffset()).isEqualTo(1);
        writeRounds(log, 6, 3);
        assertThat(log.lastStableOffset()).isEqualTo(log.highWatermark());
        cleaner.cleanLog(log).orElseThrow();
        ByteBuffer all = log.read(0, 1 << 20, Long.MAX_VALUE, true).records().readInto();
        List<RecordBatch> control = new ArrayList<>();
        var it = Batches.iterate(all);
        while (it.hasNext()) {
            RecordBatch b = it.next();
            if (b.isControlBatch()) control.add(b);
        }
        assertThat(control).hasSize(1);
        assertThat(control.get(0).baseOffset()).isEqualTo(1);
    }

    @Test
    void producersLastBatchIsKeptEmptySoDeduplicationSurvives() throws IOException {
        log = open(config);
        AppendResult p = log.appendAsLeader(TestLogs.idempotent(77, (short) 0, 0, time.milliseconds(), 2), 0);
        // supersede the producer's keys (k0, k1) with plain writes
        writeRounds(log, 6, 3);
        cleaner.cleanLog(log).orElseThrow();
        ByteBuffer all = log.read(0, 1 << 20, Long.MAX_VALUE, true).records().readInto();
        RecordBatch first = Batches.iterate(all).next();
        assertThat(first.producerId()).isEqualTo(77);
        assertThat(first.recordCount()).isZero();
        assertThat(first.lastOffset()).isEqualTo(p.lastOffset());
        assertThat(first.lastSequence()).isEqualTo(1);
        // lose every snapshot and restart uncleanly: the empty batch restores the producer
        log.close();
        logs.clear();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(f -> f.toString().endsWith(".snapshot")).toList()) Files.delete(f);
        }
        PartitionLog reopened = TestLogs.reopen(dir, config, time, false);
        logs.add(reopened);
        AppendResult dup = reopened.appendAsLeader(TestLogs.idempotent(77, (short) 0, 0, time.milliseconds(), 2), 0);
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(p.firstOffset());
    }

    @Test
    void compressedBatchesAreRewrittenWithTheirCodec() throws IOException {
        log = open(config);
        for (int r = 0; r < 40; r++) {
            RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.LZ4, TimestampType.CREATE_TIME, 0);
            for (int k = 0; k < 4; k++) b.append(time.milliseconds(), bytes("k" + k), bytes("r" + r), List.of());
            if (r % 2 == 0) b.append(time.milliseconds(), bytes("only-" + r), bytes("x"), List.of());
            log.appendAsLeader(new MemoryRecords(b.build()), 0);
        }
        log.updateHighWatermark(log.logEndOffset());
        Map<String, String> expected = latest(readAll(log));
        cleaner.cleanLog(log).orElseThrow();
        assertThat(latest(readAll(log))).isEqualTo(expected);
        ByteBuffer all = log.read(0, 1 << 20, Long.MAX_VALUE, true).records().readInto();
        var it = Batches.iterate(all);
        while (it.hasNext()) {
            RecordBatch b = it.next();
            assertThat(b.isValid()).isTrue();
            if (b.recordCount() > 0) assertThat(b.compressionType()).isEqualTo(CompressionType.LZ4);
        }
    }

    @Test
    void selectionHonoursDirtyRatioAndCompactionLag() throws IOException {
        LogConfig strict = config.with(Map.of("min.cleanable.dirty.ratio", "0.99"));
        log = open(strict);
        writeRounds(log, 4, 5);
        cleaner.cleanLog(log).orElseThrow();      // everything is clean now
        long activeBefore = log.activeSegment().baseOffset();
        writeRounds(log, 3, 5);                   // a little dirt, rolled out of the active segment
        assertThat(log.activeSegment().baseOffset()).isGreaterThan(activeBefore);
        assertThat(cleaner.cleanOnce()).isEmpty();
        log.updateConfig(config);                 // ratio 0.01
        assertThat(cleaner.cleanOnce()).isPresent();

        log.updateConfig(config.with(Map.of("min.compaction.lag.ms", "10000")));
        writeRounds(log, 4, 5);
        long checkpoint = cleaner.checkpoint(TestLogs.TP).orElseThrow();
        // the new records are too young
        assertThat(cleaner.cleanOnce().map(Cleaner.Result::endOffset).orElse(checkpoint)).isEqualTo(checkpoint);
        time.sleep(10_001);
        assertThat(cleaner.cleanOnce()).isPresent();
        assertThat(cleaner.checkpoint(TestLogs.TP).orElseThrow()).isGreaterThan(checkpoint);
    }

    @Test
    void nothingIsCleanedAboveTheHighWatermark() throws IOException {
        log = open(config);
        for (int r = 0; r < 5; r++) for (int k = 0; k < 5; k++) log.appendAsLeader(kv(time.milliseconds(), "k" + k, "v"), 0);
        log.updateHighWatermark(0);
        long size = log.size();
        assertThat(cleaner.cleanLog(log).map(Cleaner.Result::bytesBefore).orElse(0L)).isZero();
        assertThat(log.size()).isEqualTo(size);
    }

    @Test
    void interruptedSwapIsCompletedOnLoad() throws IOException {
        log = open(config);
        writeRounds(log, 12, 4);
        List<Long> bases = log.segmentBaseOffsets();
        assertThat(bases.size()).isGreaterThan(3);
        long end = bases.get(2);
        // a compaction of segments 0 and 1 that crashed after renaming its output to .swap:
        // the output keeps only the last batch of segment 1
        LogSegment seg1 = log.segments.get(bases.get(1));
        LogSegment.BatchPosition last = seg1.translateOffset(end - 1, seg1.size());
        ByteBuffer lastBatch = seg1.readHeader(last.position(), last.size());
        log.close();
        logs.clear();
        LogSegment swap = LogSegment.create(dir, 0, config, time.milliseconds(), 0, ".swap", LogSegment.ChannelFactory.DEFAULT);
        swap.append(lastBatch);
        swap.close();
        PartitionLog reopened = TestLogs.reopen(dir, config, time, true);
        logs.add(reopened);
        assertThat(reopened.segmentBaseOffsets()).containsExactlyElementsOf(
                Stream.concat(Stream.of(0L), bases.subList(2, bases.size()).stream()).toList());
        assertThat(Files.exists(dir.resolve("00000000000000000000.log.swap"))).isFalse();
        assertThat(Files.exists(dir.resolve(LogSegment.fileStem(bases.get(1)) + ".log"))).isFalse();
        List<Record> all = readAll(reopened);
        assertThat(all.get(0).offset()).isEqualTo(end - 1);
        assertThat(all.get(all.size() - 1).offset()).isEqualTo(reopened.logEndOffset() - 1);
    }

    @Test
    void cleanerThreadCompactsInTheBackground() throws IOException {
        LogManagerConfig withCleaner = LogManagerConfig.DEFAULT.withCleaner(true, 1 << 20, 20);
        LogManager manager = new LogManager(List.of(dir.resolve("logs")), time, withCleaner);
        try {
            manager.startup();
            PartitionLog l = manager.getOrCreate(new TopicPartition("compacted", 0), Uuid.ONE, config);
            writeRounds(l, 10, 3);
            long activeBase = l.activeSegment().baseOffset();
            Await.until(() -> manager.cleaner().checkpoint(new TopicPartition("compacted", 0)).isPresent());
            List<Record> after = readAll(l);
            assertThat(after.stream().filter(x -> x.offset() < activeBase).map(x -> string(x.key())).toList())
                    .doesNotHaveDuplicates();
        } finally {
            manager.close();
        }
        assertThat(Files.readAllLines(dir.resolve("logs").resolve("cleaner-offset-checkpoint"))).hasSize(3);
    }

    @Test
    void offsetMapBasics() {
        OffsetMap m = new OffsetMap(24 * 10);
        assertThat(m.maxEntries()).isEqualTo(9);
        for (int i = 0; i < 9; i++) assertThat(m.put(bytes("key" + i), i)).isTrue();
        assertThat(m.put(bytes("key3"), 33)).isTrue(); // update of a known key
        assertThat(m.put(bytes("new"), 99)).isFalse(); // full
        assertThat(m.get(bytes("key3"))).isEqualTo(33);
        assertThat(m.get(bytes("key8"))).isEqualTo(8);
        assertThat(m.get(bytes("absent"))).isEqualTo(-1);
        m.clear();
        assertThat(m.size()).isZero();
        assertThat(m.get(bytes("key3"))).isEqualTo(-1);
    }

    @Test
    void smallOffsetMapCleansInSeveralPasses() throws IOException {
        LogManagerConfig tiny = LogManagerConfig.DEFAULT.withCleaner(false, 24 * 30, 50);
        log = open(config);
        cleaner = new LogCleaner(tiny, time, () -> List.copyOf(logs));
        for (int r = 0; r < 3; r++) for (int k = 0; k < 40; k++) log.appendAsLeader(kv(time.milliseconds(), "k" + k, "r" + r), 0);
        log.updateHighWatermark(log.logEndOffset());
        Map<String, String> expected = latest(readAll(log));
        long activeBase = log.activeSegment().baseOffset();
        for (int i = 0; i < 20 && cleaner.checkpoint(TestLogs.TP).orElse(0) < activeBase; i++) cleaner.cleanLog(log);
        assertThat(cleaner.checkpoint(TestLogs.TP)).hasValue(activeBase);
        assertThat(latest(readAll(log))).isEqualTo(expected);
    }
}
