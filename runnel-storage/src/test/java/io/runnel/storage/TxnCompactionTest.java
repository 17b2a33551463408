package io.runnel.storage;

import io.runnel.record.Batches;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.CompressionType;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.runnel.storage.TestLogs.bytes;
import static io.runnel.storage.TestLogs.kv;
import static io.runnel.storage.TestLogs.string;
import static org.assertj.core.api.Assertions.assertThat;

/** Compaction with transactions: aborted batches go, markers stay as long as Kafka keeps them, open transactions are never cleaned. */
class TxnCompactionTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.config(Map.of("internal.segment.bytes", "1000", "cleanup.policy", "compact",
            "delete.retention.ms", "1000", "min.cleanable.dirty.ratio", "0.01"));
    final LogManagerConfig managerConfig = LogManagerConfig.DEFAULT.withCleaner(false, 1 << 20, 50);
    PartitionLog log;
    LogCleaner cleaner;

    @AfterEach
    void tearDown() {
        if (log != null) log.close();
    }

    private void open() throws IOException {
        log = TestLogs.open(dir, config, time);
        cleaner = new LogCleaner(managerConfig, time, () -> List.of(log));
    }

    private MemoryRecords txnKv(long pid, int seq, String key, String value) {
        return new MemoryRecords(new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(pid, (short) 0, seq).transactional(true)
                .append(time.milliseconds(), bytes(key), bytes(value), List.of()).build());
    }

    private void filler(int n) {
        for (int i = 0; i < n; i++) log.appendAsLeader(kv(time.milliseconds(), "f" + (i % 3), "fill" + i), 0);
        log.updateHighWatermark(log.logEndOffset());
    }

    /** Every batch of the log (a read returns one segment's batches: read on from the last one). */
    private List<RecordBatch> batches() {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer part = log.read(next, 1 << 20, Long.MAX_VALUE, true).records().readInto();
            var it = Batches.iterate(part);
            long before = next;
            while (it.hasNext()) {
                RecordBatch b = it.next();
                out.add(b);
                next = b.lastOffset() + 1;
            }
            if (next == before) break;
        }
        return out;
    }

    private List<RecordBatch> markers() {
        return batches().stream().filter(RecordBatch::isControlBatch).toList();
    }

    /** key → value of the records a read_committed reader would see (aborted batches skipped by producer id). */
    private Map<String, String> committedView() {
        Map<String, String> m = new LinkedHashMap<>();
        List<AbortedTxn> aborted = log.abortedTransactions(0, log.logEndOffset());
        for (RecordBatch b : batches()) {
            if (b.isControlBatch()) continue;
            boolean isAborted = aborted.stream().anyMatch(t -> t.producerId() == b.producerId()
                    && t.firstOffset() <= b.baseOffset() && b.lastOffset() < t.lastOffset());
            if (isAborted) continue;
            for (Record r : b.records()) m.put(string(r.key()), string(r.value()));
        }
        return m;
    }

    @Test
    void abortedRecordsAreRemovedWithoutShadowingCommittedValues() throws IOException {
        open();
        log.appendAsLeader(kv(time.milliseconds(), "k", "committed"), 0);
        log.appendAsLeader(txnKv(7, 0, "k", "aborted-1"), 0);
        log.appendAsLeader(txnKv(7, 1, "k", "aborted-2"), 0);
        log.appendControlBatch(7, (short) 0, 0, false, 0);
        log.appendAsLeader(txnKv(8, 0, "c", "committed-txn"), 0); // a later producer keeps pid 7's batches non-last
        log.appendControlBatch(8, (short) 0, 0, true, 0);
        filler(40);
        assertThat(committedView()).containsEntry("k", "committed");

        cleaner.cleanLog(log).orElseThrow();
        // the aborted records are gone; the committed value of k survived (the aborted ones did not shadow it)
        List<String> values = new ArrayList<>();
        for (RecordBatch b : batches()) for (Record r : b.records()) if (!b.isControlBatch()) values.add(string(r.value()));
        assertThat(values).contains("committed", "committed-txn").doesNotContain("aborted-1", "aborted-2");
        assertThat(committedView()).containsEntry("k", "committed").containsEntry("c", "committed-txn");
        // pid 7's last batch stays, empty, for its producer state; so its abort marker and index entry stay too
        assertThat(markers()).hasSize(2);
        assertThat(log.abortedTransactions(0, log.logEndOffset())).extracting(AbortedTxn::producerId).containsExactly(7L);
    }

    @Test
    void markersOfFullyRemovedTransactionsGoAfterTheDeleteRetention() throws IOException {
        open();
        log.appendAsLeader(txnKv(7, 0, "k", "aborted"), 0);            // 0
        log.appendControlBatch(7, (short) 0, 0, false, 0);              // 1
        log.appendAsLeader(txnKv(7, 1, "j", "later"), 0);               // 2: pid 7's last batch is this one
        log.appendControlBatch(7, (short) 0, 0, true, 0);               // 3
        log.appendAsLeader(kv(time.milliseconds(), "j", "newer"), 0);   // supersedes j
        filler(40);

        cleaner.cleanLog(log).orElseThrow();
        // pass 1: the aborted batch is removed; its marker stays (the batch was seen in this pass)
        assertThat(batches().get(0).isControlBatch()).isTrue();
        assertThat(markers()).hasSize(2);
        assertThat(markers().get(0).hasDeleteHorizon()).isFalse();

        log.updateHighWatermark(log.logEndOffset());
        cleaner.cleanLog(log).orElseThrow();
        // pass 2: nothing of the aborted transaction is left: its marker gets a delete horizon, the commit marker
        // (whose transaction's batch is kept empty as pid 7's last) stays without one
        assertThat(markers()).hasSize(2);
        assertThat(markers().get(0).hasDeleteHorizon()).isTrue();
        assertThat(markers().get(1).hasDeleteHorizon()).isFalse();
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEmpty();

        time.sleep(1001);
        cleaner.cleanLog(log).orElseThrow();
        assertThat(markers()).hasSize(1);
        assertThat(markers().get(0).baseOffset()).isEqualTo(3);
    }

    @Test
    void anOpenTransactionIsNeverCleaned() throws IOException {
        open();
        filler(10);
        long txnStart = log.logEndOffset();
        log.appendAsLeader(txnKv(9, 0, "f0", "open"), 0);
        filler(40);
        assertThat(log.lastStableOffset()).isEqualTo(txnStart);
        cleaner.cleanLog(log);
        // nothing at or after the open transaction's first offset was rewritten: f0=open and all later filler remain
        List<Record> after = new ArrayList<>();
        for (RecordBatch b : batches()) if (b.baseOffset() >= txnStart) after.addAll(b.records());
        assertThat(after).hasSize(41);
        // the transaction's records, now aborted, go with the next pass
        log.appendControlBatch(9, (short) 0, 0, false, 0);
        filler(30);
        cleaner.cleanLog(log).orElseThrow();
        for (RecordBatch b : batches()) {
            if (!b.isControlBatch() && b.producerId() == 9) assertThat(b.recordCount()).isZero();
        }
    }
}
