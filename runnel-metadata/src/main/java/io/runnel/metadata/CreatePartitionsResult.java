package io.runnel.metadata;

/** The outcome of adding partitions to one topic. */
public record CreatePartitionsResult(String topic, ApiError error) {
}
