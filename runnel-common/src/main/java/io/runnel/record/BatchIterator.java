package io.runnel.record;

import java.util.Iterator;

/**
 * Iterates the complete batches of a buffer, as returned by {@link Batches#iterate}. Each batch returned
 * is a {@link RecordBatch} flyweight over the same buffer (not a copy). Iteration stops, without
 * throwing, at the first incomplete or impossible batch (fewer than 12 bytes left, a batchLength below
 * the v2 header size, or fewer bytes left than the batch claims). Not thread-safe.
 */
public interface BatchIterator extends Iterator<RecordBatch> {
    /**
     * Bytes, from the start position, covered by the batches returned so far. Once {@link #hasNext()} is
     * false this is the length of the valid prefix: the tail from there on is truncated or corrupt.
     */
    int validBytes();

    /** Absolute buffer position where valid data ends: start position + {@link #validBytes()}. */
    int tailPosition();

    /** True when iteration has ended and bytes remain after the last complete batch. */
    boolean hasInvalidTail();
}
