package io.runnel.record;

/**
 * A run of record batches as opaque bytes, carried in a Produce request or a Fetch response.
 * Implementations are views: over memory ({@link MemoryRecords}) or over a region of a segment file
 * ({@link FileRecords}), which the network layer sends zero-copy.
 */
public sealed interface Records permits MemoryRecords, FileRecords {
    /** Size of the bytes in this view. */
    int sizeInBytes();
}
