package io.runnel.group;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The storage of the group coordinator: the partitions of the internal compacted topic
 * {@code __consumer_offsets}. The broker implements it over its partition logs; {@link InMemoryCoordinatorLog}
 * serves tests.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #append} writes the records as one batch, atomically and in order, and completes the future
 *       once they are durable (for a replicated topic: committed, i.e. below the high watermark). It may
 *       complete on any thread. It fails with an {@link io.runnel.common.ApiException} carrying the storage
 *       error (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, MESSAGE_TOO_LARGE...); the coordinator then treats
 *       the records as not written.</li>
 *   <li>{@link #replay} feeds the sink every record of the partition from its start (or its last cleaned
 *       point) to its end, in offset order, on the calling thread, and returns when done. Compaction may
 *       have dropped records superseded by later ones with the same key; tombstones may or may not still
 *       be present. The coordinator calls it from its loader thread when it becomes the leader of the
 *       partition, before it appends anything.</li>
 * </ul>
 */
public interface CoordinatorLog {
    CompletableFuture<Void> append(int partition, List<CoordinatorRecord> records);

    void replay(int partition, Consumer<CoordinatorRecord> sink);

    /**
     * Appends the records as one transactional batch of the producer (Kafka's TxnOffsetCommit records): they
     * count only once a commit marker for that producer follows in the partition, and never after an abort
     * marker. Same completion contract as {@link #append}.
     */
    default CompletableFuture<Void> appendTransactional(int partition, long producerId, short producerEpoch,
                                                        List<CoordinatorRecord> records) {
        return CompletableFuture.failedFuture(io.runnel.common.Errors.UNSUPPORTED_VERSION.exception(
                "this coordinator log has no transactional appends"));
    }

    /**
     * Writes a transaction's commit or abort marker (a control batch) for the producer into the partition, as the
     * transaction coordinator decided. Completes, before returning, with NONE once written, else the partition's
     * error (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, NOT_LEADER_OR_FOLLOWER, ...); never throws.
     */
    default CompletableFuture<io.runnel.common.Errors> writeMarker(int partition, long producerId, short producerEpoch,
                                                                   int coordinatorEpoch, boolean commit) {
        return CompletableFuture.completedFuture(io.runnel.common.Errors.UNSUPPORTED_VERSION);
    }

    /**
     * As {@link #replay}, also reporting which records belong to a transactional batch and the commit/abort
     * markers, in offset order. The default reports every record as plain (a log without transactions).
     */
    default void replayWithTransactions(int partition, ReplaySink sink) {
        replay(partition, sink::record);
    }

    /** What {@link #replayWithTransactions} reports. */
    interface ReplaySink {
        /** A record of a plain batch. */
        void record(CoordinatorRecord r);

        /** A record of a transactional batch of {@code producerId}. */
        void transactional(long producerId, CoordinatorRecord r);

        /** A commit or abort marker of {@code producerId}. */
        void marker(long producerId, boolean commit);
    }
}
