package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.Batches;
import io.runnel.record.EndTxnMarker;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.runnel.storage.TestLogs.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Transaction markers written by {@link PartitionLog#appendControlBatch}: layout, producer state, fencing. */
class TxnMarkerTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(100_000);
    PartitionLog log;

    @AfterEach
    void tearDown() {
        if (log != null) log.close();
    }

    private long now() {
        return time.milliseconds();
    }

    private static Errors errorOf(Throwable t) {
        return ((ApiException) t).error();
    }

    private List<RecordBatch> batches() {
        List<RecordBatch> out = new ArrayList<>();
        ByteBuffer buf = log.read(log.logStartOffset(), 1 << 20, Long.MAX_VALUE, true).records().readInto();
        var it = Batches.iterate(buf);
        while (it.hasNext()) out.add(it.next());
        return out;
    }

    @Test
    void markerHasKafkasLayoutAndEndsTheTransaction() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 2, 0, now(), 3), 7);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(0);

        AppendResult r = log.appendControlBatch(5, (short) 2, 9, true, 7);
        assertThat(r.firstOffset()).isEqualTo(3);
        assertThat(r.lastOffset()).isEqualTo(3);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(4);

        RecordBatch marker = batches().get(1);
        assertThat(marker.isValid()).isTrue();
        assertThat(marker.isControlBatch()).isTrue();
        assertThat(marker.isTransactional()).isTrue();
        assertThat(marker.producerId()).isEqualTo(5);
        assertThat(marker.producerEpoch()).isEqualTo((short) 2);
        assertThat(marker.baseSequence()).isEqualTo(-1);
        assertThat(marker.partitionLeaderEpoch()).isEqualTo(7);
        assertThat(marker.baseOffset()).isEqualTo(3);
        List<Record> recs = marker.records();
        assertThat(recs).hasSize(1);
        assertThat(recs.get(0).key()).containsExactly(0, 0, 0, 1); // version 0, type 1 = commit
        assertThat(recs.get(0).value()).containsExactly(0, 0, 0, 0, 0, 9); // version 0, coordinator epoch 9
        assertThat(EndTxnMarker.read(marker.buffer(), marker.position())).isEqualTo(new EndTxnMarker(true, 9));

        log.appendAsLeader(txn(5, (short) 2, 3, now(), 1), 7);
        log.appendControlBatch(5, (short) 2, 9, false, 7);
        RecordBatch abort = batches().get(3);
        assertThat(abort.records().get(0).key()).containsExactly(0, 0, 0, 0); // type 0 = abort
    }

    @Test
    void markerFromAnOlderProducerEpochIsRefusedAndWritesNothing() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 3, 0, now(), 2), 0);
        long end = log.logEndOffset();
        assertThatThrownBy(() -> log.appendControlBatch(5, (short) 2, 0, true, 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH));
        assertThat(log.logEndOffset()).isEqualTo(end);
        log.updateHighWatermark(end);
        assertThat(log.lastStableOffset()).isEqualTo(0); // still open
    }

    @Test
    void markerFromAnOlderCoordinatorEpochIsFenced() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.appendControlBatch(5, (short) 0, 4, true, 0);
        log.appendAsLeader(txn(5, (short) 0, 1, now(), 1), 0);
        long end = log.logEndOffset();
        assertThatThrownBy(() -> log.appendControlBatch(5, (short) 0, 3, false, 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED));
        assertThat(log.logEndOffset()).isEqualTo(end);
        // the fence survives an unclean restart: the coordinator epoch is replayed from the marker
        log.close();
        log = TestLogs.reopen(dir, config, time, false);
        assertThatThrownBy(() -> log.appendControlBatch(5, (short) 0, 3, false, 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED));
        log.appendControlBatch(5, (short) 0, 4, false, 0);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
    }

    @Test
    void markerForAnUnknownProducerIsWrittenAndChangesNothingElse() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.appendControlBatch(77, (short) 0, 0, true, 0);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(0); // producer 5's transaction stays open
    }

    @Test
    void transactionalBatchAfterTheMarkerStartsANewTransaction() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.appendControlBatch(5, (short) 0, 0, true, 0);
        log.appendAsLeader(txn(5, (short) 0, 1, now(), 1), 0);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.lastStableOffset()).isEqualTo(2);
    }
}
