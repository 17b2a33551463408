package io.runnel.txn;

import io.runnel.common.TopicPartition;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A decision of the coordinator that the broker carries out: write a commit or abort marker for this producer id
 * and epoch into each of these partitions (WriteTxnMarkers to their leaders), and, once every one is written (or
 * its partition no longer exists), call {@link TransactionCoordinatorShard#markersWritten} so that the transaction
 * completes. Markers must be retried until written: the transaction stays in PrepareCommit/PrepareAbort meanwhile.
 */
public record MarkerRequest(String transactionalId, long producerId, short producerEpoch, boolean commit,
                            SortedSet<TopicPartition> partitions, short transactionVersion) {
    public MarkerRequest {
        partitions = Collections.unmodifiableSortedSet(new TreeSet<>(partitions));
    }
}
