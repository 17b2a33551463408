package io.runnel.broker.handler.group;

import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.common.Uuid;
import io.runnel.group.TopicView;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The partitions of an OffsetCommit or TxnOffsetCommit request, checked against the topics as Kafka does: a topic
 * named by an id this broker does not know gets UNKNOWN_TOPIC_ID, a topic or partition that does not exist gets
 * UNKNOWN_TOPIC_OR_PARTITION ({@link TopicView#partitionExists}); neither is handed to the coordinator, so nothing is
 * stored for them. Fill it topic by topic in request order ({@link #addTopic}, then {@link #addPartition} for each of
 * its partitions), hand {@link #partitions()} to the coordinator, and read each partition's answer with
 * {@link #errorOf}.
 */
public final class OffsetCommitTargets {
    private final TopicView topics;
    private final boolean byId;
    /** Per request topic, in order: its name, or null for an unknown id. */
    private final List<String> names = new ArrayList<>();
    private final Set<TopicPartition> missing = new HashSet<>();
    private final List<CommitPartition> partitions = new ArrayList<>();
    private final Set<TopicPartition> unauthorized = new HashSet<>();
    private final java.util.function.Predicate<String> authorized;

    /** @param byId whether the request version names topics by id */
    public OffsetCommitTargets(TopicView topics, boolean byId) {
        this(topics, byId, t -> true);
    }

    /** @param authorized whether the principal may commit to a topic (READ; else TOPIC_AUTHORIZATION_FAILED, checked first) */
    public OffsetCommitTargets(TopicView topics, boolean byId, java.util.function.Predicate<String> authorized) {
        this.topics = topics;
        this.byId = byId;
        this.authorized = authorized;
    }

    /** The next request topic; returns its name, or null when it is named by an unknown id (skip its partitions). */
    public String addTopic(String name, Uuid id) {
        String resolved = name;
        if (byId) {
            TopicView.TopicInfo info = topics.byId(id);
            resolved = info == null ? null : info.name();
        }
        names.add(resolved);
        return resolved;
    }

    /** A partition of the topic {@link #addTopic} just resolved: kept for the coordinator if it exists. */
    public void addPartition(String topic, int partition, long offset, int leaderEpoch, String metadata) {
        if (!authorized.test(topic)) {
            unauthorized.add(new TopicPartition(topic, partition));
        } else if (topics.partitionExists(topic, partition)) {
            partitions.add(new CommitPartition(topic, partition, offset, leaderEpoch, metadata));
        } else {
            missing.add(new TopicPartition(topic, partition));
        }
    }

    /** The partitions to hand to the coordinator. */
    public List<CommitPartition> partitions() {
        return partitions;
    }

    /** The result when every partition handed to the coordinator failed with {@code error}. */
    public CommitResult failed(Errors error) {
        Map<TopicPartition, Errors> m = new LinkedHashMap<>();
        for (CommitPartition cp : partitions) m.put(new TopicPartition(cp.topic(), cp.partition()), error);
        return new CommitResult(m);
    }

    /** The answer for {@code partition} of the {@code topicIndex}-th request topic, given the coordinator's result. */
    public Errors errorOf(int topicIndex, int partition, CommitResult result) {
        String name = names.get(topicIndex);
        if (name == null) return Errors.UNKNOWN_TOPIC_ID;
        TopicPartition tp = new TopicPartition(name, partition);
        if (unauthorized.contains(tp)) return Errors.TOPIC_AUTHORIZATION_FAILED;
        if (missing.contains(tp)) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        return result.partitions().getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
    }
}
