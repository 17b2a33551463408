package io.runnel.storage;

import io.runnel.record.FileRecords;

/**
 * The outcome of {@link PartitionLog#read}: whole batches as a zero-copy region of one segment file
 * (possibly empty), with the log's offsets as they were when the read began.
 *
 * @param records          the batches; {@code sizeInBytes() == 0} when there is nothing to return
 * @param highWatermark    the high watermark
 * @param lastStableOffset the last stable offset: the high watermark, or the first offset of the earliest
 *                         ongoing transaction if that is lower
 * @param logStartOffset   the log start offset
 * @param logEndOffset     the log end offset
 */
public record LogReadResult(FileRecords records, long highWatermark, long lastStableOffset, long logStartOffset,
                            long logEndOffset) {
}
