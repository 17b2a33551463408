package io.runnel.metadata;

import io.runnel.common.Uuid;

/** The outcome of deleting one topic: its name (null if unknown by id), its id (zero if unknown by name) and error. */
public record DeleteTopicResult(String name, Uuid topicId, ApiError error) {
}
