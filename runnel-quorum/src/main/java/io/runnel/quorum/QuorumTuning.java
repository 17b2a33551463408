package io.runnel.quorum;

/**
 * Ratis settings that are not Kafka configuration keys.
 *
 * @param segmentBytes the largest Raft log segment file; the log can only be purged up to a snapshot
 *                     in whole closed segments, so this bounds how much log stays on disk after one.
 *                     Tests use a small value to make followers catch up by snapshot.
 */
public record QuorumTuning(long segmentBytes) {
    public static final QuorumTuning DEFAULT = new QuorumTuning(8L << 20);

    public QuorumTuning {
        if (segmentBytes < 1024) throw new IllegalArgumentException("segmentBytes must be at least 1024: " + segmentBytes);
    }
}
