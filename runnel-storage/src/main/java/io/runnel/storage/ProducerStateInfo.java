package io.runnel.storage;

/**
 * What DescribeProducers shows about one producer of a partition.
 *
 * @param lastSequence          the last sequence number appended, -1 when none (e.g. only markers)
 * @param lastTimestamp         max timestamp of its last batch, -1 when unknown
 * @param coordinatorEpoch      epoch of the transaction coordinator that wrote its last marker, -1 when none
 * @param currentTxnStartOffset first offset of its ongoing transaction, -1 when none
 */
public record ProducerStateInfo(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                                int coordinatorEpoch, long currentTxnStartOffset) {
}
