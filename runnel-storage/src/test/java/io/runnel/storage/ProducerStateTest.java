package io.runnel.storage;

import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.runnel.storage.TestLogs.idempotent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Idempotent producer rules (KIP-98 / KIP-360), including across restarts. */
class ProducerStateTest {
    @TempDir
    Path dir;
    final MockTime time = new MockTime();
    final LogConfig config = TestLogs.smallConfig(1000);
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

    @Test
    void retriedBatchGetsItsOriginalOffsetsAndIsNotAppended() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(TestLogs.values(now(), "other"), 0);
        AppendResult first = log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 3), 0);
        assertThat(first.firstOffset()).isEqualTo(1);
        assertThat(first.lastOffset()).isEqualTo(3);
        long size = log.size();
        AppendResult retry = log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 3), 0);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.firstOffset()).isEqualTo(1);
        assertThat(retry.lastOffset()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(4);
        assertThat(log.size()).isEqualTo(size);
    }

    @Test
    void anyOfTheLastFiveBatchesIsRecognised() throws IOException {
        log = TestLogs.open(dir, config, time);
        for (int i = 0; i < 6; i++) log.appendAsLeader(idempotent(7, (short) 0, i * 2, now(), 2), 0);
        // batch 1 (seq 2..3) is among the last five, batch 0 is not
        AppendResult dup = log.appendAsLeader(idempotent(7, (short) 0, 2, now(), 2), 0);
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(2);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 2), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
    }

    @Test
    void sequenceGapIsOutOfOrder() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 2), 0);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 3, now(), 1), 0))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER))
                .hasMessageContaining("3 (incoming seq. number), 1 (current end sequence number)");
        assertThat(log.logEndOffset()).isEqualTo(2);
        // a partially overlapping batch is out of order too
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 1, now(), 2), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 2, now(), 1), 0).firstOffset()).isEqualTo(2);
    }

    @Test
    void olderEpochIsFenced() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(7, (short) 3, 0, now(), 1), 0);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 2, 1, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH));
    }

    @Test
    void newEpochMustStartAtSequenceZero() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 5), 0);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 1, 5, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER))
                .hasMessageContaining("new epoch");
        AppendResult r = log.appendAsLeader(idempotent(7, (short) 1, 0, now(), 1), 0);
        assertThat(r.firstOffset()).isEqualTo(5);
        // the old epoch's batches are no longer duplicates: they are fenced
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 5), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH));
    }

    @Test
    void unknownProducerMayStartAnywhere() throws IOException {
        log = TestLogs.open(dir, config, time);
        AppendResult r = log.appendAsLeader(idempotent(9, (short) 4, 1234, now(), 2), 0);
        assertThat(r.firstOffset()).isZero();
        assertThat(log.appendAsLeader(idempotent(9, (short) 4, 1236, now(), 1), 0).firstOffset()).isEqualTo(2);
    }

    @Test
    void sequenceWrapsAfterIntMax() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(5, (short) 0, Integer.MAX_VALUE - 1, now(), 2), 0);
        assertThat(log.appendAsLeader(idempotent(5, (short) 0, 0, now(), 1), 0).duplicate()).isFalse();
    }

    @Test
    void producersAreIndependent() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(1, (short) 0, 0, now(), 1), 0);
        log.appendAsLeader(idempotent(2, (short) 0, 0, now(), 1), 0);
        log.appendAsLeader(idempotent(1, (short) 0, 1, now(), 1), 0);
        assertThat(log.appendAsLeader(idempotent(2, (short) 0, 0, now(), 1), 0).duplicate()).isTrue();
        assertThat(log.activeProducers()).containsOnlyKeys(1L, 2L);
    }

    @Test
    void stateSurvivesCleanRestartThroughTheSnapshot() throws IOException {
        PartitionLog l = TestLogs.open(dir, config, time);
        for (int i = 0; i < 20; i++) l.appendAsLeader(idempotent(7, (short) 2, i * 3, now(), 3), 0);
        l.close();
        assertThat(Files.exists(ProducerSnapshotFile.path(dir, 60))).isTrue();
        log = TestLogs.reopen(dir, config, time, true);
        AppendResult dup = log.appendAsLeader(idempotent(7, (short) 2, 57, now(), 3), 0);
        assertThat(dup.duplicate()).isTrue();
        assertThat(dup.firstOffset()).isEqualTo(57);
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 2, 61, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 1, 0, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH));
        assertThat(log.appendAsLeader(idempotent(7, (short) 2, 60, now(), 1), 0).firstOffset()).isEqualTo(60);
    }

    @Test
    void stateSurvivesAKillThroughSnapshotPlusReplay() throws IOException {
        PartitionLog l = TestLogs.open(dir, config, time);
        for (int i = 0; i < 30; i++) {
            l.appendAsLeader(idempotent(7, (short) 0, i, now(), 1), 0);
            l.appendAsLeader(idempotent(8, (short) 1, i * 2, now(), 2), 0);
        }
        assertThat(l.producerState.snapshotFiles()).isNotEmpty(); // from rolls
        // killed: no close, no final snapshot
        log = TestLogs.reopen(dir, config, time, false);
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 29, now(), 1), 0).duplicate()).isTrue();
        assertThat(log.appendAsLeader(idempotent(8, (short) 1, 58, now(), 2), 0).duplicate()).isTrue();
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(8, (short) 1, 61, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 30, now(), 1), 0).duplicate()).isFalse();
    }

    @Test
    void stateIsRebuiltWhenSnapshotsAreLostOrCorrupt() throws IOException {
        PartitionLog l = TestLogs.open(dir, config, time);
        for (int i = 0; i < 30; i++) l.appendAsLeader(idempotent(7, (short) 0, i, now(), 1), 0);
        l.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
                Files.write(p, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
            }
        }
        log = TestLogs.reopen(dir, config, time, true);
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 29, now(), 1), 0).duplicate()).isTrue();
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 31, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
    }

    @Test
    void truncationRewindsProducerState() throws IOException {
        log = TestLogs.open(dir, config, time);
        for (int i = 0; i < 10; i++) log.appendAsLeader(idempotent(7, (short) 0, i, now(), 1), 0);
        log.truncateTo(5);
        // sequences 5.. are gone: 5 is next again, 9 is no longer a duplicate but a gap
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(7, (short) 0, 9, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER));
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 5, now(), 1), 0).firstOffset()).isEqualTo(5);
    }

    @Test
    void idleProducersExpire() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(idempotent(7, (short) 0, 0, now(), 1), 0);
        time.sleep(1000);
        log.appendAsLeader(idempotent(8, (short) 0, 0, now(), 1), 0);
        assertThat(log.removeExpiredProducers(1000)).isEqualTo(1);
        assertThat(log.activeProducers()).containsOnlyKeys(8L);
        // once expired the producer is unknown: any sequence is accepted
        assertThat(log.appendAsLeader(idempotent(7, (short) 0, 50, now(), 1), 0).duplicate()).isFalse();
    }

    @Test
    void ongoingTransactionBoundsTheLastStableOffset() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(TestLogs.values(now(), "a"), 0);
        MemoryRecords txn = new MemoryRecords(new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, 0)
                .producer(11, (short) 0, 0).transactional(true)
                .append(now(), null, TestLogs.bytes("t"), List.of()).build());
        log.appendAsLeader(txn, 0);
        log.appendAsLeader(TestLogs.values(now(), "b"), 0);
        log.updateHighWatermark(3);
        assertThat(log.lastStableOffset()).isEqualTo(1);
        assertThat(log.read(0, 1000, Long.MAX_VALUE, true).lastStableOffset()).isEqualTo(1);
        // a non-transactional write from the same producer during its transaction is refused
        assertThatThrownBy(() -> log.appendAsLeader(idempotent(11, (short) 0, 1, now(), 1), 0))
                .satisfies(e -> assertThat(errorOf(e)).isEqualTo(Errors.INVALID_TXN_STATE));
    }

    @Test
    void snapshotFileRoundTrip() throws IOException {
        ProducerEntry e = ProducerEntry.empty(99);
        e.maybeUpdateEpoch((short) 3);
        e.addBatch(new ProducerEntry.BatchMetadata(0, 4, 10, 14, 1234));
        e.addBatch(new ProducerEntry.BatchMetadata(5, 5, 20, 20, 1240));
        e.currentTxnFirstOffset = 20;
        Path f = dir.resolve("00000000000000000021.snapshot");
        ProducerSnapshotFile.write(f, List.of(e));
        Map<Long, ProducerEntry> read = ProducerSnapshotFile.read(f);
        ProducerEntry r = read.get(99L);
        assertThat(r.epoch).isEqualTo((short) 3);
        assertThat(r.batchList()).isEqualTo(e.batchList());
        assertThat(r.currentTxnFirstOffset).isEqualTo(20);
        assertThat(r.lastTimestamp).isEqualTo(1240);
        assertThat(ProducerSnapshotFile.offsetOf(f)).isEqualTo(21);
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 1] ^= 1;
        Files.write(f, bytes);
        assertThatThrownBy(() -> ProducerSnapshotFile.read(f)).isInstanceOf(IOException.class).hasMessageContaining("CRC");
    }
}
