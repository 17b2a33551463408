package io.runnel.storage;

import io.runnel.record.RecordBatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What a partition remembers about one idempotent producer: its current epoch, the metadata of its
 * last {@value #NUM_BATCHES_TO_RETAIN} batches (to recognise retried duplicates), the timestamp of its
 * last batch (for expiration), and the first offset of its ongoing transaction, if any.
 *
 * <p>Mutable and not thread-safe: owned by {@link ProducerStateManager}, changed under the log lock.
 * {@link #copy()} gives the staging copy an append validates against.
 */
final class ProducerEntry {
    /** Batches kept per producer, as Kafka (max.in.flight.requests.per.connection for idempotence). */
    static final int NUM_BATCHES_TO_RETAIN = 5;

    /** One appended batch of the producer: its sequence range, offset range and max timestamp. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
    }

    final long producerId;
    short epoch;
    int coordinatorEpoch;
    long lastTimestamp;
    long currentTxnFirstOffset; // -1 when no transaction is ongoing
    final Deque<BatchMetadata> batches;

    ProducerEntry(long producerId, short epoch, int coordinatorEpoch, long lastTimestamp, long currentTxnFirstOffset,
                  Deque<BatchMetadata> batches) {
        this.producerId = producerId;
        this.epoch = epoch;
        this.coordinatorEpoch = coordinatorEpoch;
        this.lastTimestamp = lastTimestamp;
        this.currentTxnFirstOffset = currentTxnFirstOffset;
        this.batches = batches;
    }

    /** A producer not seen before: no epoch (-1), no batches. */
    static ProducerEntry empty(long producerId) {
        return new ProducerEntry(producerId, RecordBatch.NO_PRODUCER_EPOCH, -1, -1, -1, new ArrayDeque<>());
    }

    ProducerEntry copy() {
        return new ProducerEntry(producerId, epoch, coordinatorEpoch, lastTimestamp, currentTxnFirstOffset,
                new ArrayDeque<>(batches));
    }

    int lastSeq() {
        return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
    }

    long lastDataOffset() {
        return batches.isEmpty() ? -1 : batches.peekLast().lastOffset();
    }

    /** Switches to {@code newEpoch}, forgetting the batches of the old epoch. */
    void maybeUpdateEpoch(short newEpoch) {
        if (epoch != newEpoch) {
            batches.clear();
            epoch = newEpoch;
        }
    }

    void addBatch(BatchMetadata b) {
        batches.addLast(b);
        while (batches.size() > NUM_BATCHES_TO_RETAIN) batches.removeFirst();
        lastTimestamp = b.timestamp();
    }

    /** The retained batch with exactly this epoch and sequence range, if any: the batch is a retry. */
    BatchMetadata findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
        if (batchEpoch != epoch) return null;
        for (BatchMetadata b : batches) {
            if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) return b;
        }
        return null;
    }

    List<BatchMetadata> batchList() {
        return new ArrayList<>(batches);
    }

    @Override
    public String toString() {
        return "ProducerEntry(pid=" + producerId + ", epoch=" + epoch + ", batches=" + batches
                + ", lastTimestamp=" + lastTimestamp + ", txnFirstOffset=" + currentTxnFirstOffset + ")";
    }
}
