package io.runnel.storage;

import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of transactional and plain appends, commit and abort markers, rolls, truncations and
 * restarts (clean, and killed: every segment recovered and its transaction index rebuilt), applied to a
 * {@link PartitionLog} and to a model that is just the list of batches; after every step the last stable
 * offset and the aborted transactions equal what the model's batches imply.
 */
class TxnLogProperties {

    sealed interface Op permits TxnAppend, PlainAppend, Marker, Roll, Truncate, Restart {
    }

    record TxnAppend(int producer, int count) implements Op {
    }

    record PlainAppend(int count) implements Op {
    }

    record Marker(int producer, boolean commit) implements Op {
    }

    record Roll() implements Op {
    }

    record Truncate(double fraction) implements Op {
    }

    record Restart(boolean clean) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> producer = Arbitraries.integers().between(0, 2);
        Arbitrary<Op> txn = Combinators.combine(producer, Arbitraries.integers().between(1, 3)).as(TxnAppend::new);
        Arbitrary<Op> plain = Arbitraries.integers().between(1, 3).map(PlainAppend::new);
        Arbitrary<Op> marker = Combinators.combine(producer, Arbitraries.of(true, false)).as(Marker::new);
        Arbitrary<Op> roll = Arbitraries.just(new Roll());
        Arbitrary<Op> truncate = Arbitraries.doubles().between(0, 1).map(Truncate::new);
        Arbitrary<Op> restart = Arbitraries.of(true, false).map(Restart::new);
        return Arbitraries.frequencyOf(Tuple.of(6, txn), Tuple.of(3, plain), Tuple.of(4, marker), Tuple.of(2, roll),
                Tuple.of(1, truncate), Tuple.of(2, restart)).list().ofMinSize(1).ofMaxSize(50);
    }

    /** A batch as the model keeps it: producer -1 for plain; marker batches have a count of 1. */
    record Batch(long first, long last, long producerId, int firstSeq, boolean marker, boolean commit) {
    }

    static final class Harness implements AutoCloseable {
        final Path dir;
        final MockTime time = new MockTime();
        final LogConfig config = TestLogs.smallConfig(500);
        final List<Batch> model = new ArrayList<>();
        PartitionLog log;

        Harness() throws IOException {
            dir = Files.createTempDirectory("runnel-txn-prop");
            log = TestLogs.open(dir, config, time);
        }

        long leo() {
            return model.isEmpty() ? 0 : model.get(model.size() - 1).last() + 1;
        }

        int nextSeq(long pid) {
            for (int i = model.size() - 1; i >= 0; i--) {
                Batch b = model.get(i);
                if (b.producerId() == pid && !b.marker()) return b.firstSeq() + (int) (b.last() - b.first()) + 1;
            }
            return 0;
        }

        void apply(Op op) throws IOException {
            switch (op) {
                case TxnAppend a -> {
                    long pid = 100 + a.producer();
                    int seq = nextSeq(pid);
                    RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                            .producer(pid, (short) 0, seq).transactional(true);
                    for (int i = 0; i < a.count(); i++) b.append(time.milliseconds(), null, TestLogs.bytes("t" + i), List.of());
                    AppendResult r = log.appendAsLeader(new MemoryRecords(b.build()), 0);
                    assertThat(r.firstOffset()).isEqualTo(leo());
                    model.add(new Batch(r.firstOffset(), r.lastOffset(), pid, seq, false, false));
                }
                case PlainAppend a -> {
                    RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0);
                    for (int i = 0; i < a.count(); i++) b.append(time.milliseconds(), null, TestLogs.bytes("p" + i), List.of());
                    AppendResult r = log.appendAsLeader(new MemoryRecords(b.build()), 0);
                    model.add(new Batch(r.firstOffset(), r.lastOffset(), -1, -1, false, false));
                }
                case Marker m -> {
                    long pid = 100 + m.producer();
                    AppendResult r = log.appendControlBatch(pid, (short) 0, 0, m.commit(), 0);
                    assertThat(r.firstOffset()).isEqualTo(leo());
                    model.add(new Batch(r.firstOffset(), r.lastOffset(), pid, -1, true, m.commit()));
                }
                case Roll r -> log.roll();
                case Truncate t -> {
                    long to = (long) (leo() * t.fraction());
                    log.truncateTo(to);
                    model.removeIf(b -> b.last() >= to);
                    assertThat(log.logEndOffset()).isEqualTo(leo());
                }
                case Restart r -> {
                    if (r.clean()) {
                        log.close();
                    } else {
                        log.closeFilesForDelete(); // kill -9: no flush, no final snapshot
                    }
                    log = TestLogs.reopen(dir, config, time, r.clean());
                    assertThat(log.logEndOffset()).isEqualTo(leo());
                }
            }
            log.updateHighWatermark(log.logEndOffset());
        }

        /** The LSO and the aborted transactions (producer, first offset, marker offset) the model's batches imply. */
        void check(String context) {
            Map<Long, Long> open = new HashMap<>();
            List<List<Long>> aborted = new ArrayList<>();
            for (Batch b : model) {
                if (b.producerId() < 0) continue;
                if (!b.marker()) {
                    open.putIfAbsent(b.producerId(), b.first());
                    continue;
                }
                Long first = open.remove(b.producerId());
                if (first != null && !b.commit()) aborted.add(List.of(b.producerId(), first, b.first()));
            }
            long lso = open.values().stream().mapToLong(Long::longValue).min().orElse(leo());
            assertThat(log.lastStableOffset()).as("LSO %s", context).isEqualTo(Math.min(lso, leo()));
            List<List<Long>> actual = new ArrayList<>();
            for (AbortedTxn t : log.abortedTransactions(0, leo())) actual.add(List.of(t.producerId(), t.firstOffset(), t.lastOffset()));
            assertThat(actual).as("aborted transactions %s", context).isEqualTo(aborted);
        }

        @Override
        public void close() throws IOException {
            log.close();
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Property(tries = 150, shrinking = ShrinkingMode.BOUNDED)
    void lastStableOffsetAndAbortedTransactionsMatchTheModel(@ForAll("ops") List<Op> ops) throws IOException {
        try (Harness h = new Harness()) {
            int step = 0;
            for (Op op : ops) {
                h.apply(op);
                h.check("after step " + step++ + " " + op);
            }
        }
    }
}
