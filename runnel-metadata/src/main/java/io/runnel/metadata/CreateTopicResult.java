package io.runnel.metadata;

import io.runnel.common.Uuid;
import io.runnel.config.ConfigEntry;

import java.util.List;

/**
 * The outcome of creating one topic, with what CreateTopics v5+ reports on success: the id, the
 * partition count and replication factor used, and every topic config with its value and source.
 * On failure only {@code name} and {@code error} are meaningful (counts -1, id zero, no configs).
 */
public record CreateTopicResult(String name, ApiError error, Uuid topicId, int numPartitions,
                                short replicationFactor, List<ConfigEntry> configs) {
    public CreateTopicResult {
        configs = List.copyOf(configs);
    }

    public static CreateTopicResult failed(String name, ApiError error) {
        return new CreateTopicResult(name, error, Uuid.ZERO, -1, (short) -1, List.of());
    }
}
