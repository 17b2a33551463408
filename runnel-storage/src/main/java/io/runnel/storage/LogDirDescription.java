package io.runnel.storage;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;

import java.nio.file.Path;
import java.util.List;

/**
 * One log directory as DescribeLogDirs reports it.
 *
 * @param path        the directory
 * @param error       NONE, or KAFKA_STORAGE_ERROR when the directory is unusable
 * @param totalBytes  size of the file system holding it (-1 when unknown)
 * @param usableBytes bytes still available to the broker on that file system (-1 when unknown)
 * @param replicas    the partitions stored in it
 */
public record LogDirDescription(Path path, Errors error, long totalBytes, long usableBytes, List<Replica> replicas) {

    /**
     * @param topicPartition the partition
     * @param sizeBytes      bytes of its segments
     * @param offsetLag      how far its log end offset lags the high watermark (0 for a leader)
     * @param isFuture       whether it is a future replica being moved between directories (always false)
     */
    public record Replica(TopicPartition topicPartition, long sizeBytes, long offsetLag, boolean isFuture) {
    }
}
