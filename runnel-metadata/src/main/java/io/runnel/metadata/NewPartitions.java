package io.runnel.metadata;

import java.util.List;
import java.util.Objects;

/**
 * A request to grow topic {@code topic} to {@code totalCount} partitions. {@code assignments}, if not
 * empty, gives the replicas of each new partition in order (one list per new partition).
 */
public record NewPartitions(String topic, int totalCount, List<List<Integer>> assignments) {
    public NewPartitions {
        Objects.requireNonNull(topic, "topic");
        assignments = assignments == null ? List.of() : assignments.stream().map(List::copyOf).toList();
    }

    public static NewPartitions increaseTo(String topic, int totalCount) {
        return new NewPartitions(topic, totalCount, List.of());
    }
}
