package io.runnel.storage;

import io.runnel.record.EndTxnMarker;
import io.runnel.record.RecordBatch;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What compaction must know about transactions while it walks a log's batches in offset order: which data
 * batches belong to an aborted transaction (the cleaner removes them, and they must not shadow older
 * committed values in the offset map), and which markers may go.
 *
 * <p>Kafka's rules: an abort marker stays (and its transaction stays in the transaction index) while any batch
 * of its transaction was seen in this pass; a commit marker stays while any batch of its transaction was seen.
 * Once none is left, the marker is removable: the cleaner stamps it with a delete horizon and drops it after
 * {@code delete.retention.ms}.
 *
 * <p>Built from the aborted transactions of the range walked ({@link PartitionLog#abortedTransactions}). Not
 * thread-safe: one per pass.
 */
final class CleanerTxnTracker {
    /** What to do with a marker: may it go, and the aborted transaction to keep indexing (null: none). */
    record MarkerDecision(boolean removable, AbortedTxn keepIndexed) {
    }

    private static final class OngoingAbort {
        final AbortedTxn txn;
        boolean batchSeen;

        OngoingAbort(AbortedTxn txn) {
            this.txn = txn;
        }
    }

    private final ArrayDeque<AbortedTxn> upcoming;
    private final Map<Long, OngoingAbort> ongoingAborts = new HashMap<>();
    private final Set<Long> ongoingCommits = new HashSet<>();

    CleanerTxnTracker(List<AbortedTxn> aborted) {
        List<AbortedTxn> sorted = new ArrayList<>(aborted);
        sorted.sort(Comparator.comparingLong(AbortedTxn::firstOffset));
        this.upcoming = new ArrayDeque<>(sorted);
    }

    private void startAbortsUpTo(long offset) {
        while (!upcoming.isEmpty() && upcoming.peekFirst().firstOffset() <= offset) {
            AbortedTxn t = upcoming.pollFirst();
            ongoingAborts.put(t.producerId(), new OngoingAbort(t));
        }
    }

    /** A data batch at {@code pos}: true when it belongs to an aborted transaction. */
    boolean isAborted(ByteBuffer batch, int pos) {
        startAbortsUpTo(RecordBatch.lastOffset(batch, pos));
        if (!RecordBatch.isTransactional(batch, pos)) return false;
        long pid = RecordBatch.producerId(batch, pos);
        OngoingAbort a = ongoingAborts.get(pid);
        if (a != null) {
            a.batchSeen = true;
            return true;
        }
        ongoingCommits.add(pid);
        return false;
    }

    /** A control batch at {@code pos} (whole): ends its producer's transaction in this walk. */
    MarkerDecision onMarker(ByteBuffer batch, int pos) {
        startAbortsUpTo(RecordBatch.lastOffset(batch, pos));
        long pid = RecordBatch.producerId(batch, pos);
        EndTxnMarker marker = EndTxnMarker.read(batch, pos);
        if (marker == null) return new MarkerDecision(false, null); // unknown control type: keep
        if (!marker.commit()) {
            OngoingAbort a = ongoingAborts.remove(pid);
            ongoingCommits.remove(pid);
            if (a != null && a.batchSeen) return new MarkerDecision(false, a.txn);
            return new MarkerDecision(true, null);
        }
        ongoingAborts.remove(pid);
        return new MarkerDecision(!ongoingCommits.remove(pid), null);
    }
}
