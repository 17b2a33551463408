package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Random sequences of appends, rolls, retention, DeleteRecords, truncation, restarts (clean and killed)
 * and compaction, applied to a {@link PartitionLog} and to a simple in-memory model, compared after
 * every step.
 */
class PartitionLogProperties {

    sealed interface Op permits Append, Roll, AdvanceTime, Retention, DeleteRecords, Truncate, Restart, Compact {
    }

    /** {@code count} records in one batch; {@code size} pads values; {@code tombstones} makes every third a tombstone. */
    record Append(int count, int size, boolean compressed, boolean tombstones) implements Op {
    }

    record Roll() implements Op {
    }

    record AdvanceTime(long ms) implements Op {
    }

    record Retention() implements Op {
    }

    record DeleteRecords(double fraction) implements Op {
    }

    record Truncate(double fraction) implements Op {
    }

    record Restart(boolean clean, boolean staleRecoveryPoint) implements Op {
    }

    record Compact() implements Op {
    }

    @Provide
    Arbitrary<List<Op>> deleteOps() {
        return ops(false);
    }

    @Provide
    Arbitrary<List<Op>> compactOps() {
        return ops(true);
    }

    private Arbitrary<List<Op>> ops(boolean compact) {
        Arbitrary<Op> append = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(0, 60), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((c, s, z, t) -> new Append(c, s, z, compact && t));
        Arbitrary<Op> roll = Arbitraries.just(new Roll());
        Arbitrary<Op> time = Arbitraries.longs().between(1, 3000).map(AdvanceTime::new);
        Arbitrary<Op> retention = Arbitraries.just(new Retention());
        Arbitrary<Op> delete = Arbitraries.doubles().between(0, 1).map(DeleteRecords::new);
        Arbitrary<Op> truncate = Arbitraries.doubles().between(0, 1).map(Truncate::new);
        Arbitrary<Op> restart = net.jqwik.api.Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as(Restart::new);
        Arbitrary<Op> cleanOp = Arbitraries.just(new Compact());
        Arbitrary<Op> any = compact
                ? Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, append), net.jqwik.api.Tuple.of(2, roll),
                net.jqwik.api.Tuple.of(2, time), net.jqwik.api.Tuple.of(3, cleanOp), net.jqwik.api.Tuple.of(2, restart),
                net.jqwik.api.Tuple.of(1, truncate))
                : Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(12, append), net.jqwik.api.Tuple.of(2, roll),
                net.jqwik.api.Tuple.of(2, time), net.jqwik.api.Tuple.of(2, retention), net.jqwik.api.Tuple.of(2, delete),
                net.jqwik.api.Tuple.of(1, truncate), net.jqwik.api.Tuple.of(2, restart));
        return any.list().ofMinSize(1).ofMaxSize(40);
    }

    /** A record as the model keeps it. */
    record Rec(long offset, String key, String value) {
    }

    /** The harness: the log under test, its directory, clock and the model. */
    static final class Harness implements AutoCloseable {
        final Path dir;
        final MockTime time = new MockTime();
        final LogConfig config;
        final LogCleaner cleaner;
        PartitionLog log;
        final NavigableMap<Long, Rec> model = new TreeMap<>();
        final TreeSet<Long> batchStarts = new TreeSet<>();
        long leo;
        long logStart;

        Harness(LogConfig config) throws IOException {
            this.dir = Files.createTempDirectory("runnel-prop");
            this.config = config;
            this.log = TestLogs.open(dir, config, time);
            this.cleaner = new LogCleaner(LogManagerConfig.DEFAULT.withCleaner(false, 1 << 16, 10), time, () -> List.of(log));
        }

        void append(Append a) {
            RecordBatchBuilder b = new RecordBatchBuilder(a.compressed() ? CompressionType.GZIP : CompressionType.NONE,
                    TimestampType.CREATE_TIME, 0);
            List<Rec> recs = new ArrayList<>();
            for (int i = 0; i < a.count(); i++) {
                long offset = leo + i;
                String key = "k" + (offset * 7 % 5);
                String value = a.tombstones() && offset % 3 == 0 ? null : "v" + offset + "-" + "x".repeat(a.size());
                b.append(time.milliseconds(), TestLogs.bytes(key), TestLogs.bytes(value), List.of());
                recs.add(new Rec(offset, key, value));
            }
            AppendResult r = log.appendAsLeader(new MemoryRecords(b.build()), 0);
            assertThat(r.firstOffset()).isEqualTo(leo);
            assertThat(r.lastOffset()).isEqualTo(leo + a.count() - 1);
            batchStarts.add(leo);
            for (Rec rec : recs) model.put(rec.offset(), rec);
            leo += a.count();
            log.updateHighWatermark(leo);
        }

        void deleteRecords(double fraction) {
            long target = logStart + (long) Math.floor(fraction * (log.highWatermark() - logStart));
            assertThat(log.deleteRecordsBefore(target)).isEqualTo(Math.max(logStart, target));
            logStart = Math.max(logStart, target);
            model.headMap(logStart, false).clear();
        }

        /**
         * Truncates at a random offset: the batch holding it and everything after goes. With compaction
         * the target stays above the cleaner checkpoint (truncating below it, after keys were
         * superseded there, loses those keys by design).
         */
        void truncate(double fraction) {
            long floor = Math.max(logStart, cleaner.checkpoint(TestLogs.TP).orElse(0));
            if (floor > leo) return;
            long target = floor + (long) Math.floor(fraction * (leo - floor));
            log.truncateTo(target);
            if (target < leo) {
                Long start = batchStarts.floor(target);
                long expected = start == null ? target : Math.max(start, logStart);
                assertThat(log.logEndOffset()).isEqualTo(expected);
                model.tailMap(expected, true).clear();
                batchStarts.tailSet(expected, true).clear();
                leo = expected;
            }
            log.updateHighWatermark(leo);
        }

        void retention() {
            long before = logStart;
            log.deleteOldSegments();
            long after = log.logStartOffset();
            assertThat(after).isGreaterThanOrEqualTo(before).isLessThanOrEqualTo(log.highWatermark());
            logStart = after;
            model.headMap(logStart, false).clear();
        }

        void restart(Restart r) throws IOException {
            long recoveryPoint = r.staleRecoveryPoint() ? 0 : log.recoveryPoint();
            long start = log.logStartOffset();
            long hw = log.highWatermark();
            if (r.clean()) log.close();
            log = LogLoader.load(new LogLoader.Params(dir, TestLogs.TP, TestLogs.TOPIC_ID, config, time, Scheduler.INLINE,
                    LogSegment.ChannelFactory.DEFAULT, r.clean() ? log.logEndOffset() : recoveryPoint, start, hw, r.clean()));
            assertThat(log.highWatermark()).isEqualTo(hw);
        }

        void compact() {
            cleaner.cleanLog(log);
        }

        /** Exact comparison for delete-policy logs. */
        void checkExact() {
            checkOffsets();
            List<Record> all = TestLogs.readAll(log, logStart, 700);
            List<Rec> expected = new ArrayList<>(model.tailMap(logStart, true).values());
            assertThat(all).hasSameSizeAs(expected);
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).offset()).isEqualTo(expected.get(i).offset());
                assertThat(TestLogs.string(all.get(i).value())).isEqualTo(expected.get(i).value());
            }
            // every offset is readable and the read starts with the batch holding it
            for (long o = logStart; o < leo; o++) {
                List<Record> got = TestLogs.decode(log.read(o, 1, Long.MAX_VALUE, true).records());
                assertThat(got).isNotEmpty();
                assertThat(got.get(0).offset()).isLessThanOrEqualTo(o);
                assertThat(got.get(got.size() - 1).offset()).isGreaterThanOrEqualTo(o);
            }
        }

        /** Compaction invariants: surviving records are unchanged; each key's latest state is kept. */
        void checkCompacted() {
            checkOffsets();
            List<Record> all = TestLogs.readAll(log, logStart, 700);
            Map<String, Rec> latestInLog = new HashMap<>();
            long prev = -1;
            for (Record r : all) {
                assertThat(r.offset()).isGreaterThan(prev);
                prev = r.offset();
                Rec original = model.get(r.offset());
                assertThat(original).as("record at %d", r.offset()).isNotNull();
                assertThat(TestLogs.string(r.key())).isEqualTo(original.key());
                assertThat(TestLogs.string(r.value())).isEqualTo(original.value());
                latestInLog.put(original.key(), original);
            }
            Map<String, Rec> latestInModel = new HashMap<>();
            for (Rec r : model.tailMap(logStart, true).values()) latestInModel.put(r.key(), r);
            for (Map.Entry<String, Rec> e : latestInModel.entrySet()) {
                Rec inLog = latestInLog.get(e.getKey());
                if (e.getValue().value() == null) {
                    // a tombstone may be gone, but then nothing older of the key may remain
                    if (inLog != null) assertThat(inLog).isEqualTo(e.getValue());
                } else {
                    assertThat(inLog).as("latest of %s", e.getKey()).isEqualTo(e.getValue());
                }
            }
        }

        private void checkOffsets() {
            assertThat(log.logEndOffset()).isEqualTo(leo);
            assertThat(log.logStartOffset()).isEqualTo(logStart);
            assertThat(log.highWatermark()).isBetween(logStart, leo);
            assertThat(log.read(leo, 100, Long.MAX_VALUE, true).records().sizeInBytes()).isZero();
            assertThatThrownBy(() -> log.read(leo + 1, 100, Long.MAX_VALUE, true))
                    .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
            if (logStart > 0) {
                assertThatThrownBy(() -> log.read(logStart - 1, 100, Long.MAX_VALUE, true))
                        .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE));
            }
        }

        @Override
        public void close() throws IOException {
            log.close();
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void deletePolicyLogMatchesTheModel(@ForAll("deleteOps") List<Op> ops) throws IOException {
        LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "600", "retention.ms", "5000",
                "retention.bytes", "2000"));
        try (Harness h = new Harness(config)) {
            for (Op op : ops) {
                switch (op) {
                    case Append a -> h.append(a);
                    case Roll r -> h.log.roll();
                    case AdvanceTime t -> h.time.sleep(t.ms());
                    case Retention r -> h.retention();
                    case DeleteRecords d -> h.deleteRecords(d.fraction());
                    case Truncate t -> h.truncate(t.fraction());
                    case Restart r -> h.restart(r);
                    case Compact c -> h.compact();
                }
                h.checkExact();
            }
        }
    }

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void compactedLogKeepsTheLatestValueOfEveryKey(@ForAll("compactOps") List<Op> ops) throws IOException {
        LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "600", "cleanup.policy", "compact",
                "delete.retention.ms", "2000", "min.cleanable.dirty.ratio", "0.01"));
        try (Harness h = new Harness(config)) {
            for (Op op : ops) {
                switch (op) {
                    case Append a -> h.append(a);
                    case Roll r -> h.log.roll();
                    case AdvanceTime t -> h.time.sleep(t.ms());
                    case Retention r -> h.retention();
                    case DeleteRecords d -> h.deleteRecords(d.fraction());
                    case Truncate t -> h.truncate(t.fraction());
                    case Restart r -> h.restart(r);
                    case Compact c -> h.compact();
                }
                h.checkCompacted();
            }
        }
    }
}
