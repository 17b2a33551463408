package io.runnel.storage;

/**
 * One aborted transaction on a partition, as the transaction index holds it: the producer, the offset of its
 * first batch here, the offset of its abort marker, and the last stable offset right after the abort.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
