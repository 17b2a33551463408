package io.runnel.broker.txn;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;

import java.util.concurrent.CompletableFuture;

/**
 * Writes one commit or abort marker (a control batch) for a producer into a partition led by this broker: the
 * partition side of WriteTxnMarkers. Never throws; completes with NONE once the marker is appended, else with the
 * partition's error (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, ...).
 */
@FunctionalInterface
public interface MarkerWriter {
    CompletableFuture<Errors> writeTxnMarker(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                             boolean commit);
}
