package io.runnel.storage;

/**
 * A transaction a marker ended on this partition: the producer, the offset of its first batch here, the
 * offset of its marker, whether it was aborted, and the last stable offset right after the marker (the first
 * offset of the earliest transaction still open then, else the offset after the marker; kept in the transaction
 * index so a read_committed fetch knows when it has seen every overlapping abort).
 */
record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted, long lastStableOffset) {
}
