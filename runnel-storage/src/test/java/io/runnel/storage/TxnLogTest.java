package io.runnel.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.runnel.storage.TestLogs.txn;
import static org.assertj.core.api.Assertions.assertThat;

/** The last stable offset and the aborted-transaction index through appends, markers, truncation, restarts and deletion. */
class TxnLogTest {
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

    private void hwToEnd() {
        log.updateHighWatermark(log.logEndOffset());
    }

    private Path txnIndexOf(long base) {
        return LogSegment.txnIndexFile(dir, base, "");
    }

    @Test
    void abortIsIndexedInKafkasLayout() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 2), 0);          // 0-1
        log.appendAsLeader(txn(6, (short) 0, 0, now(), 1), 0);          // 2
        log.appendControlBatch(5, (short) 0, 0, false, 0);              // 3 abort 5
        log.appendControlBatch(6, (short) 0, 0, true, 0);               // 4 commit 6
        hwToEnd();
        assertThat(log.abortedTransactions(0, log.logEndOffset())).containsExactly(new AbortedTxn(5, 0, 3, 2));
        byte[] file = Files.readAllBytes(txnIndexOf(0));
        assertThat(file).hasSize(34);
        ByteBuffer b = ByteBuffer.wrap(file);
        assertThat(b.getShort()).isEqualTo((short) 0);
        assertThat(b.getLong()).isEqualTo(5);
        assertThat(b.getLong()).isEqualTo(0);
        assertThat(b.getLong()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(2); // producer 6's transaction still open at offset 2
        // a commit is not indexed; no file for a segment without aborts
        assertThat(log.lastStableOffset()).isEqualTo(5);
    }

    @Test
    void abortedTransactionsOverlapTheRange() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);          // 0
        log.appendControlBatch(5, (short) 0, 0, false, 0);              // 1
        log.appendAsLeader(txn(6, (short) 0, 0, now(), 1), 0);          // 2
        log.appendAsLeader(TestLogs.values(now(), "x", "y"), 0);        // 3-4
        log.appendControlBatch(6, (short) 0, 0, false, 0);              // 5
        hwToEnd();
        assertThat(log.abortedTransactions(0, 6)).extracting(AbortedTxn::producerId).containsExactly(5L, 6L);
        assertThat(log.abortedTransactions(2, 6)).extracting(AbortedTxn::producerId).containsExactly(6L);
        assertThat(log.abortedTransactions(0, 1)).extracting(AbortedTxn::producerId).containsExactly(5L);
        assertThat(log.abortedTransactions(3, 4)).extracting(AbortedTxn::producerId).containsExactly(6L);
    }

    @Test
    void abortsInLaterSegmentsAreFoundAcrossRolls() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.roll();
        log.appendAsLeader(TestLogs.values(now(), "x"), 0);
        log.roll();
        log.appendControlBatch(5, (short) 0, 0, false, 0);
        hwToEnd();
        assertThat(log.abortedTransactions(0, log.logEndOffset())).containsExactly(new AbortedTxn(5, 0, 2, 3));
        assertThat(log.abortedTransactions(1, 2)).containsExactly(new AbortedTxn(5, 0, 2, 3));
    }

    @Test
    void truncationReopensTheTransactionAndDropsItsIndexEntry() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 2), 0);   // 0-1
        log.appendControlBatch(5, (short) 0, 0, false, 0);       // 2
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(3);
        log.truncateTo(2);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(0);
        assertThat(log.abortedTransactions(0, 10)).isEmpty();
        assertThat(txnIndexOf(0)).doesNotExist();
        log.appendControlBatch(5, (short) 0, 0, true, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(3);
    }

    @Test
    void openTransactionSurvivesACleanRestart() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(TestLogs.values(now(), "a"), 0);
        log.appendAsLeader(txn(5, (short) 1, 0, now(), 2), 0);   // 1-2
        log.close();
        log = TestLogs.reopen(dir, config, time, true);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(1);
        log.appendControlBatch(5, (short) 1, 0, false, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(4);
        assertThat(log.abortedTransactions(0, 4)).containsExactly(new AbortedTxn(5, 1, 3, 4));
    }

    @Test
    void killMidTransactionThenTheMarkerStillEndsIt() throws IOException {
        log = TestLogs.open(dir, config, time);
        for (int i = 0; i < 30; i++) log.appendAsLeader(TestLogs.values(now(), "padding-" + i), 0); // several segments
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        long first = log.logEndOffset() - 1;
        log.roll(); // a snapshot taken with the transaction open
        log.appendAsLeader(txn(5, (short) 0, 1, now(), 1), 0);
        // "kill -9": no close, no final snapshot; unclean open
        log.closeFilesForDelete();
        log = TestLogs.reopen(dir, config, time, false);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(first);
        log.appendControlBatch(5, (short) 0, 0, false, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
        assertThat(log.abortedTransactions(first, log.logEndOffset()))
                .containsExactly(new AbortedTxn(5, first, log.logEndOffset() - 1, log.logEndOffset()));
    }

    @Test
    void lostTransactionIndexIsRebuiltWhenTheSegmentIsRecovered() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);   // 0
        log.appendAsLeader(txn(6, (short) 0, 0, now(), 1), 0);   // 1
        log.appendControlBatch(5, (short) 0, 0, false, 0);       // 2
        log.appendControlBatch(6, (short) 0, 0, false, 0);       // 3
        log.roll();
        log.appendAsLeader(TestLogs.values(now(), "x"), 0);
        hwToEnd();
        List<AbortedTxn> before = log.abortedTransactions(0, log.logEndOffset());
        assertThat(before).hasSize(2);
        log.close();
        // the segment's indexes are gone: it is recovered on open and its transaction index rebuilt
        Files.delete(txnIndexOf(0));
        Files.delete(LogSegment.indexFile(dir, 0, ""));
        log = TestLogs.reopen(dir, config, time, true);
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEqualTo(before);
        assertThat(txnIndexOf(0)).exists();
        log.close();
        // an unclean restart recovers from the recovery point and rebuilds too, without duplicates
        log = TestLogs.reopen(dir, config, time, false);
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEqualTo(before);
    }

    /**
     * A compaction swap renames the log file live first, then its indexes: a crash in between leaves the
     * transaction index as {@code .txnindex.swap} beside a live {@code .log}. It is the live segment's index (the
     * segment is not recovered, so nothing would rebuild it), and its aborts must still be listed.
     */
    @Test
    void transactionIndexLeftAsSwapByACrashedSwapIsKept() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);   // 0
        log.appendControlBatch(5, (short) 0, 0, false, 0);       // 1
        log.roll();
        log.appendAsLeader(TestLogs.values(now(), "x"), 0);
        hwToEnd();
        List<AbortedTxn> before = log.abortedTransactions(0, log.logEndOffset());
        assertThat(before).hasSize(1);
        log.close();
        Files.move(txnIndexOf(0), LogSegment.txnIndexFile(dir, 0, PartitionLog.SWAP_SUFFIX));
        log = TestLogs.reopen(dir, config, time, true);
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEqualTo(before);
        assertThat(txnIndexOf(0)).exists();
        assertThat(LogSegment.txnIndexFile(dir, 0, PartitionLog.SWAP_SUFFIX)).doesNotExist();
    }

    @Test
    void deletedSegmentsTakeTheirIndexAndDeleteRecordsNeverPinsTheLsoBelowTheLogStart() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);   // 0: open transaction
        log.appendAsLeader(txn(6, (short) 0, 0, now(), 1), 0);   // 1
        log.appendControlBatch(6, (short) 0, 0, false, 0);       // 2
        log.roll();
        for (int i = 0; i < 3; i++) log.appendAsLeader(TestLogs.values(now(), "v" + i), 0); // 3-5
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(0);
        log.deleteRecordsBefore(4);
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(txnIndexOf(0)).doesNotExist();
        assertThat(log.lastStableOffset()).isEqualTo(4); // held at the log start, not at the deleted offset 0
        assertThat(log.abortedTransactions(4, 6)).isEmpty();
        log.appendControlBatch(5, (short) 0, 0, true, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
    }

    @Test
    void retentionOfTheTransactionsFirstSegmentHoldsTheLsoAtTheLogStart() throws IOException {
        LogConfig cfg = TestLogs.config(java.util.Map.of(LogConfig.INTERNAL_SEGMENT_BYTES, "1000",
                LogConfig.RETENTION_MS, "1000"));
        log = TestLogs.open(dir, cfg, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.roll();
        time.sleep(5000);
        log.appendAsLeader(TestLogs.values(now(), "new"), 0);
        log.roll();
        log.appendAsLeader(TestLogs.values(now(), "newer"), 0);
        hwToEnd();
        assertThat(log.deleteOldSegments()).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(1);
        assertThat(log.lastStableOffset()).isEqualTo(1);
        log.appendControlBatch(5, (short) 0, 0, false, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
    }

    @Test
    void producerIdExpiryNeverRemovesAProducerWithAnOpenTransaction() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        log.appendAsLeader(txn(6, (short) 0, 0, now(), 1), 0);
        log.appendControlBatch(6, (short) 0, 0, true, 0);
        time.sleep(86_400_001);
        assertThat(log.removeExpiredProducers(86_400_000)).isEqualTo(1); // producer 6, whose transaction ended
        assertThat(log.activeProducers()).containsOnlyKeys(5L);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(0);
        log.appendControlBatch(5, (short) 0, 0, false, 0);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
        assertThat(log.abortedTransactions(0, log.logEndOffset())).containsExactly(new AbortedTxn(5, 0, 3, 4));
    }

    /**
     * A lock-free reader that sees the last stable offset pass an aborted transaction must also find it in the
     * aborted-transaction index: otherwise a read_committed fetch returns the aborted records as committed (what
     * TransactionalMessageCopierIT's live reader saw, when the LSO moved before the marker was indexed).
     */
    @Test
    void theLastStableOffsetNeverPassesAnAbortBeforeItIsIndexed() throws Exception {
        log = TestLogs.open(dir, TestLogs.smallConfig(1_000_000), time);
        int txns = 300;
        java.util.concurrent.atomic.AtomicLong current = new java.util.concurrent.atomic.AtomicLong(-1); // pid << 32 | first
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            while (!done.get() && violations.isEmpty()) {
                long c = current.get();
                if (c < 0) continue;
                long pid = c >>> 32;
                long first = c & 0xffffffffL;
                long lso = log.lastStableOffset();
                if (lso > first && log.abortedTransactions(first, lso).stream().noneMatch(t -> t.producerId() == pid)) {
                    violations.add("LSO " + lso + " passed producer " + pid + "'s aborted transaction at " + first + " before it was indexed");
                }
            }
        }, "lso-reader");
        reader.start();
        try {
            for (int i = 0; i < txns && violations.isEmpty(); i++) {
                long pid = 100 + i;
                long first = log.logEndOffset();
                log.appendAsLeader(txn(pid, (short) 0, 0, now(), 2), 0);
                hwToEnd();
                current.set(pid << 32 | first);
                log.appendControlBatch(pid, (short) 0, 0, false, 0);
                hwToEnd();
            }
        } finally {
            done.set(true);
            reader.join(10_000);
        }
        assertThat(violations).isEmpty();
    }

    /** The fast path of a transaction's later batches: only a transaction ongoing here at the batch's epoch. */
    @Test
    void appendToOngoingTxnOnlyContinuesAnOpenTransactionOfTheSameEpoch() throws IOException {
        log = TestLogs.open(dir, config, time);
        assertThat(log.appendToOngoingTxn(txn(5, (short) 1, 0, now(), 1), 0, null))
                .as("the first batch of a transaction here is not on the fast path").isNull();
        assertThat(log.logEndOffset()).isZero();
        log.appendAsLeader(txn(5, (short) 1, 0, now(), 1), 0);                               // 0, verified
        AppendResult r = log.appendToOngoingTxn(txn(5, (short) 1, 1, now(), 2), 0, null);   // 1-2
        assertThat(r).isNotNull();
        assertThat(r.firstOffset()).isEqualTo(1);
        assertThat(log.appendToOngoingTxn(txn(5, (short) 0, 3, now(), 1), 0, null)).as("older epoch").isNull();
        assertThat(log.appendToOngoingTxn(txn(5, (short) 2, 0, now(), 1), 0, null)).as("newer epoch").isNull();
        assertThat(log.appendToOngoingTxn(txn(6, (short) 1, 0, now(), 1), 0, null)).as("another producer").isNull();
        assertThat(log.appendToOngoingTxn(TestLogs.idempotent(5, (short) 1, 3, now(), 1), 0, null))
                .as("not transactional").isNull();
        assertThat(log.logEndOffset()).isEqualTo(3);
        log.appendControlBatch(5, (short) 1, 0, true, 0);                                    // 3 commit
        assertThat(log.appendToOngoingTxn(txn(5, (short) 1, 3, now(), 1), 0, null))
                .as("the marker ended the transaction: the next batch is verified again").isNull();
        assertThat(log.logEndOffset()).isEqualTo(4);
        hwToEnd();
        assertThat(log.lastStableOffset()).isEqualTo(4);
    }

    /** A retried batch on the fast path is still answered from the producer state, not appended twice. */
    @Test
    void appendToOngoingTxnKeepsDuplicateDetection() throws IOException {
        log = TestLogs.open(dir, config, time);
        log.appendAsLeader(txn(5, (short) 0, 0, now(), 1), 0);
        AppendResult first = log.appendToOngoingTxn(txn(5, (short) 0, 1, now(), 2), 0, null);
        AppendResult retry = log.appendToOngoingTxn(txn(5, (short) 0, 1, now(), 2), 0, null);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.firstOffset()).isEqualTo(first.firstOffset());
        assertThat(log.logEndOffset()).isEqualTo(3);
    }
}
