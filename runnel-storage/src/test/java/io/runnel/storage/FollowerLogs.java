package io.runnel.storage;

import io.runnel.record.CompressionType;
import io.runnel.record.MemoryRecords;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.TimestampType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static io.runnel.storage.TestLogs.bytes;
import static io.runnel.storage.TestLogs.idempotent;
import static io.runnel.storage.TestLogs.txn;
import static io.runnel.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helpers for follower appends: a leader log with every kind of batch, copying a leader's batches into a
 * follower in random chunks (as a replica fetcher would), and comparing two replicas.
 */
final class FollowerLogs {
    /** Epochs the leader scenario uses, plus neighbours, for OffsetForLeaderEpoch comparisons. */
    static final int[] EPOCHS = {-1, 0, 1, 2, 3, 4, 5};

    private FollowerLogs() {
    }

    /**
     * Fills {@code leader} as a leader through epochs 0, 1 and 3: idempotent producers (one bumping its epoch),
     * transactions committed, aborted and left open, a coordinator batch, compressed batches (as sent, and
     * recompressed to the topic's codec), plain batches. Returns with the high watermark at the log end.
     */
    static void fillLeader(PartitionLog leader, MockTime time) {
        long t = time.milliseconds();
        // epoch 0
        leader.appendAsLeader(idempotent(1, (short) 0, 0, t, 3), 0);
        leader.appendAsLeader(values(t, "a", "b"), 0);
        leader.appendAsLeader(TestLogs.compressed(CompressionType.GZIP, t, 5, "gz"), 0);
        leader.appendAsLeader(txn(2, (short) 0, 0, t, 2), 0);
        leader.appendAsLeader(idempotent(1, (short) 0, 3, t + 1, 2), 0);
        leader.appendAsLeader(txn(3, (short) 4, 0, t + 1, 1), 0);
        // epoch 1: a commit, a coordinator batch, an abort, recompression
        leader.appendAsLeader(txn(2, (short) 0, 2, t + 2, 1), 1);
        leader.appendControlBatch(2, (short) 0, 7, true, 1);
        leader.appendAsCoordinator(TestLogs.kv(t + 2, "group", "offsets"), 1);
        leader.appendAsLeader(txn(3, (short) 4, 1, t + 3, 3), 1);
        leader.appendControlBatch(3, (short) 4, 7, false, 1);
        leader.appendAsLeader(TestLogs.compressed(CompressionType.NONE, t + 3, 4, "lz"), 1, CompressionType.LZ4);
        for (int i = 0; i < 6; i++) leader.appendAsLeader(values(t + 4, "pad-" + i + "-" + "x".repeat(40)), 1);
        // epoch 3 (epoch 2 never wrote here): a producer epoch bump, a transaction left open
        leader.appendAsLeader(idempotent(1, (short) 1, 0, t + 5, 2), 3);
        leader.appendAsLeader(txn(2, (short) 1, 0, t + 5, 2), 3);
        leader.appendAsLeader(TestLogs.compressed(CompressionType.ZSTD, t + 6, 6, "zs"), 3);
        leader.appendAsLeader(txn(4, (short) 0, 0, t + 6, 1), 3);
        leader.appendAsLeader(idempotent(5, (short) 2, 0, t + 7, 1), 3);
        leader.appendControlBatch(2, (short) 1, 8, false, 3);
        leader.updateHighWatermark(leader.logEndOffset());
    }

    /** The batches of {@code log} from {@code from} to its end, one buffer each, as the log holds them. */
    static List<ByteBuffer> batches(PartitionLog log, long from) {
        List<ByteBuffer> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            ByteBuffer b = log.read(next, 1, Long.MAX_VALUE, true).records().readInto();
            assertThat(b.remaining()).as("a batch at %d", next).isPositive();
            int size = RecordBatch.sizeInBytes(b, b.position());
            out.add(b.duplicate().limit(b.position() + size).slice());
            next = RecordBatch.lastOffset(b, b.position()) + 1;
        }
        return out;
    }

    static List<byte[]> batchBytes(PartitionLog log) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuffer b : batches(log, log.logStartOffset())) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            out.add(a);
        }
        return out;
    }

    /** Concatenates whole batches into one records buffer, as a Fetch response carries them. */
    static MemoryRecords concat(List<ByteBuffer> batches) {
        int size = 0;
        for (ByteBuffer b : batches) size += b.remaining();
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) out.put(b.duplicate());
        return new MemoryRecords(out.flip());
    }

    /** Appends {@code batches} to {@code follower} in chunks of 1 to {@code maxChunk} batches chosen by {@code random}. */
    static void appendInChunks(PartitionLog follower, List<ByteBuffer> batches, Random random, int maxChunk) {
        for (int i = 0; i < batches.size(); ) {
            int n = Math.min(batches.size() - i, 1 + random.nextInt(maxChunk));
            List<ByteBuffer> chunk = batches.subList(i, i + n);
            AppendResult r = follower.appendAsFollower(concat(chunk));
            assertThat(r.firstOffset()).isEqualTo(RecordBatch.baseOffset(chunk.get(0), 0));
            ByteBuffer last = chunk.get(n - 1);
            assertThat(r.lastOffset()).isEqualTo(RecordBatch.lastOffset(last, 0));
            assertThat(follower.logEndOffset()).isEqualTo(r.lastOffset() + 1);
            i += n;
        }
    }

    /** A record batch with the given offsets and partition leader epoch, as found in a (compacted) leader log. */
    static ByteBuffer batchAt(long baseOffset, int records, int leaderEpoch, long timestamp) {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE, TimestampType.CREATE_TIME, baseOffset)
                .partitionLeaderEpoch(leaderEpoch);
        for (int i = 0; i < records; i++) b.append(timestamp, bytes("k" + i), bytes("v" + (baseOffset + i)), List.of());
        return b.build();
    }

    /** Asserts that two replicas hold the same log: bytes, offsets, epochs, producer state, aborted transactions, LSO. */
    static void assertSameLog(PartitionLog expected, PartitionLog actual) {
        assertThat(actual.logEndOffset()).isEqualTo(expected.logEndOffset());
        assertThat(actual.logStartOffset()).isEqualTo(expected.logStartOffset());
        assertThat(batchBytes(actual)).containsExactlyElementsOf(batchBytes(expected));
        assertThat(actual.latestEpoch()).isEqualTo(expected.latestEpoch());
        for (int epoch : EPOCHS) {
            assertThat(actual.endOffsetForEpoch(epoch)).as("end offset for epoch %d", epoch)
                    .isEqualTo(expected.endOffsetForEpoch(epoch));
        }
        assertThat(sorted(actual.producerStates())).isEqualTo(sorted(expected.producerStates()));
        assertThat(actual.abortedTransactions(0, actual.logEndOffset()))
                .isEqualTo(expected.abortedTransactions(0, expected.logEndOffset()));
        expected.updateHighWatermark(expected.logEndOffset());
        actual.updateHighWatermark(actual.logEndOffset());
        assertThat(actual.highWatermark()).isEqualTo(expected.highWatermark());
        assertThat(actual.lastStableOffset()).isEqualTo(expected.lastStableOffset());
    }

    private static List<ProducerStateInfo> sorted(List<ProducerStateInfo> states) {
        return states.stream().sorted(Comparator.comparingLong(ProducerStateInfo::producerId)).toList();
    }
}
