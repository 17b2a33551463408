package io.runnel.metadata;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A topic to create. {@code numPartitions} and {@code replicationFactor} are -1 to use the broker
 * defaults (num.partitions, default.replication.factor); {@code assignments} (partition index to
 * replica broker ids) is empty unless the replicas are chosen by hand, in which case both counts
 * must be -1. {@code configs} are topic config overrides.
 */
public record NewTopic(String name, int numPartitions, short replicationFactor,
                       Map<Integer, List<Integer>> assignments, Map<String, String> configs) {
    public NewTopic {
        Objects.requireNonNull(name, "name");
        assignments = assignments == null ? Map.of() : Map.copyOf(assignments);
        configs = configs == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(configs));
    }

    /** A topic with these counts and no configs. */
    public static NewTopic of(String name, int numPartitions, int replicationFactor) {
        return new NewTopic(name, numPartitions, (short) replicationFactor, Map.of(), Map.of());
    }

    public NewTopic withConfigs(Map<String, String> c) {
        return new NewTopic(name, numPartitions, replicationFactor, assignments, c);
    }
}
