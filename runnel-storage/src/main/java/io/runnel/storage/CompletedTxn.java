package io.runnel.storage;

/**
 * A transaction a marker ended on this partition: the producer, the offset of its first batch here, the
 * offset of its marker, and whether it was aborted.
 */
record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
}
