package io.runnel.storage;

/**
 * The outcome of {@link PartitionLog#appendAsLeader}.
 *
 * @param firstOffset          offset of the first appended record (-1 when nothing was appended)
 * @param lastOffset           offset of the last appended record (-1 when nothing was appended)
 * @param logAppendTime        the broker time stamped on the batches for a LogAppendTime topic, else -1
 * @param logStartOffset       the log start offset after the append
 * @param maxTimestamp         the largest record timestamp appended, or -1
 * @param offsetOfMaxTimestamp the offset of the first record carrying {@code maxTimestamp}, or -1
 * @param duplicate            true when the batch was a retry of one already in the log: the offsets are
 *                             those of the original batch and nothing was appended
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset,
                           long maxTimestamp, long offsetOfMaxTimestamp, boolean duplicate) {
}
