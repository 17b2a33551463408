package io.runnel.group;

import io.runnel.common.Uuid;

import java.util.Collection;
import java.util.List;

/**
 * What the coordinator needs to know about topics: names, ids and partition counts, for the server-side
 * assignors of the consumer protocol (KIP-848 assigns by topic id) and to translate topic ids in
 * OffsetCommit/OffsetFetch. The broker implements it over its metadata image. Reads must be cheap and
 * thread-safe: the coordinator calls it on its event thread for every consumer-group heartbeat.
 */
public interface TopicView {
    /** The topic named {@code name}, or null if there is none. */
    TopicInfo byName(String name);

    /** The topic with id {@code id}, or null if there is none. */
    TopicInfo byId(Uuid id);

    /** Every topic, for regular-expression subscriptions. */
    Collection<TopicInfo> all();

    /**
     * Whether partition {@code partition} of the topic named {@code topic} exists: the check Kafka makes
     * before storing a committed offset (OffsetCommit, and TxnOffsetCommit once transactions land), whose
     * answer for a missing topic or partition is UNKNOWN_TOPIC_OR_PARTITION.
     */
    default boolean partitionExists(String topic, int partition) {
        TopicInfo t = topic == null ? null : byName(topic);
        return t != null && partition >= 0 && partition < t.partitions();
    }

    /** A topic: its id, name and partition count. */
    record TopicInfo(Uuid id, String name, int partitions) {
    }

    TopicView EMPTY = new TopicView() {
        @Override public TopicInfo byName(String name) { return null; }
        @Override public TopicInfo byId(Uuid id) { return null; }
        @Override public Collection<TopicInfo> all() { return List.of(); }
    };
}
