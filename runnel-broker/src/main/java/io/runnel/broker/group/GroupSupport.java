package io.runnel.broker.group;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.group.CoordinatorLocator;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.TopicPartition;
import io.runnel.config.BrokerConfigs;
import io.runnel.group.GroupCoordinator;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.NewTopic;
import io.runnel.metadata.PartitionState;
import io.runnel.metadata.TopicImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connects the group coordinator to the broker: tells it when this broker starts or stops leading a
 * {@code __consumer_offsets} partition, and locates coordinators for FindCoordinator, creating
 * {@code __consumer_offsets} on first use as Kafka does.
 */
public final class GroupSupport implements ReplicaManager.LeadershipListener, CoordinatorLocator {
    private static final Logger log = LoggerFactory.getLogger(GroupSupport.class);

    private final GroupCoordinator coordinator;
    private final MetadataController controller;
    private final BrokerContext broker;
    private final AtomicBoolean creating = new AtomicBoolean();
    /** The creation of __consumer_offsets this broker started last (completed when none runs). */
    private volatile java.util.concurrent.CompletableFuture<Void> creation = java.util.concurrent.CompletableFuture.completedFuture(null);

    public GroupSupport(GroupCoordinator coordinator, MetadataController controller, BrokerContext broker) {
        this.coordinator = coordinator;
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public void onBecomeLeader(Partition partition) {
        TopicPartition tp = partition.topicPartition();
        if (tp.topic().equals(OffsetsTopicLog.TOPIC)) {
            coordinator.onElection(tp.partition()).whenComplete((ok, err) -> {
                if (err != null) log.error("Loading group coordinator partition {} failed", tp, err);
            });
        }
    }

    @Override
    public void onStopLeading(TopicPartition tp) {
        if (tp.topic().equals(OffsetsTopicLog.TOPIC)) coordinator.onResignation(tp.partition());
    }

    @Override
    public Node leaderOf(String topic, int partition, String listenerName) {
        // a restarting broker of a cluster that has not caught up with the metadata log knows no coordinator (its image
        // may be stale): COORDINATOR_NOT_AVAILABLE, which clients retry
        if (!broker.metadataCaughtUp()) return null;
        MetadataImage image = broker.image();
        TopicImage t = image.topic(topic);
        if (t == null) {
            if (topic.equals(OffsetsTopicLog.TOPIC)) createOffsetsTopic(image);
            return null;
        }
        PartitionState ps = t.partition(partition);
        if (ps == null || ps.leader() < 0) return null;
        BrokerRegistration b = image.broker(ps.leader());
        if (b == null) return null;
        BrokerRegistration.Endpoint e = BrokerContext.endpoint(b, listenerName);
        return e == null ? null : new Node(b.id(), e.host(), e.port());
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> creationOf(String topic) {
        return topic.equals(OffsetsTopicLog.TOPIC) ? creation : java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    private void createOffsetsTopic(MetadataImage image) {
        if (!creating.compareAndSet(false, true)) return;
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        creation = done;
        var cfg = broker.config().values();
        int partitions = cfg.getInt(BrokerConfigs.OFFSETS_TOPIC_NUM_PARTITIONS);
        // a single node caps the factor at its one broker; a cluster applies it as Kafka does: the topic is
        // not created (FindCoordinator answers COORDINATOR_NOT_AVAILABLE) until that many brokers are unfenced
        short configured = cfg.getShort(BrokerConfigs.OFFSETS_TOPIC_REPLICATION_FACTOR);
        int rf = controller.replicated() ? configured : Math.min(configured, Math.max(1, image.brokers().size()));
        String segmentBytes = Integer.toString(cfg.getInt(BrokerConfigs.OFFSETS_TOPIC_SEGMENT_BYTES));
        NewTopic nt = NewTopic.of(OffsetsTopicLog.TOPIC, partitions, rf).withConfigs(Map.of(
                "cleanup.policy", "compact", "compression.type", "producer", "segment.bytes", segmentBytes));
        controller.createTopics(java.util.List.of(nt), false).whenComplete((r, err) -> {
            creating.set(false);
            if (err != null) log.error("Creating {} failed", OffsetsTopicLog.TOPIC, err);
            else if (r.get(0).error().isSuccess()) log.info("Created {} with {} partitions", OffsetsTopicLog.TOPIC, partitions);
            else log.warn("Cannot create {} (yet): {}", OffsetsTopicLog.TOPIC, r.get(0).error());
            done.complete(null);
        });
    }
}
