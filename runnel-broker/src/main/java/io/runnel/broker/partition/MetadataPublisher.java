package io.runnel.broker.partition;

import io.runnel.config.BrokerConfigLayers;
import io.runnel.config.BrokerConfigs;
import io.runnel.config.TopicConfigs;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.PartitionState;
import io.runnel.metadata.TopicImage;
import io.runnel.storage.LogConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;

/**
 * Applies each new metadata image to the partitions this broker hosts: creates logs for new partitions,
 * updates leader/epoch/ISR, deletes the logs of deleted topics and pushes topic config changes into the
 * logs. Called on the metadata controller's thread, one image at a time, in order.
 */
public final class MetadataPublisher {
    private static final Logger log = LoggerFactory.getLogger(MetadataPublisher.class);

    private final ReplicaManager partitions;
    private final int nodeId;
    private final Map<String, String> staticBrokerConfig;
    private volatile MetadataImage current = MetadataImage.EMPTY;
    /** Hosted partitions whose log could not be created (e.g. disk full), with the reason; retried on every image. */
    private final Map<io.runnel.common.TopicPartition, String> logFailures = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> topicsWithLogFailures = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Leadership held until the image holds this broker's registration of epoch {@link #catchUpEpoch}; written under this. */
    private volatile boolean holding;
    /** The broker epoch (registration record offset) to catch up to; -1 before the registration answer. Guarded by this. */
    private long catchUpEpoch = -1;

    public MetadataPublisher(ReplicaManager partitions, int nodeId, Map<String, String> staticBrokerConfig) {
        this.partitions = partitions;
        this.nodeId = nodeId;
        this.staticBrokerConfig = staticBrokerConfig;
    }

    /** The image last published. */
    public MetadataImage image() {
        return current;
    }

    /** The effective log settings of a topic in an image: its overrides over the broker's settings. */
    public LogConfig logConfig(MetadataImage image, String topic) {
        BrokerConfigLayers layers = image.brokerLayers(nodeId, staticBrokerConfig);
        return LogConfig.fromMap(TopicConfigs.resolve(image.topicConfigs(topic), layers));
    }

    /**
     * Why a partition of {@code topic} has no log, when the last image could not create one; empty when
     * every hosted partition of the topic has its log.
     */
    public java.util.Optional<String> logFailure(String topic) {
        if (!topicsWithLogFailures.contains(topic)) return java.util.Optional.empty();
        return logFailures.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                .map(e -> e.getKey() + ": " + e.getValue()).findFirst();
    }

    /**
     * A broker of a cluster, before the first image: the image it replays at start-up may be stale (it led partitions
     * that other brokers lead now, it may have been fenced meanwhile). Until it has applied the log up to its own
     * registration (the condition under which the controller unfences it, and Kafka's initial metadata catch-up), every
     * partition is hosted without a leader: neither led nor followed, no coordinator loads it. See docs/replication.md.
     */
    public synchronized void holdLeadershipUntilCaughtUp() {
        holding = true;
        partitions.holdLeadership();
    }

    /** The broker registered with {@code brokerEpoch} (the offset of its registration record): caught up once applied. */
    public synchronized void registered(long brokerEpoch) {
        if (!holding) return;
        catchUpEpoch = brokerEpoch;
        maybeRelease(current);
    }

    /** False while leadership is held (a restarting broker of a cluster that has not caught up with the metadata log). */
    public boolean caughtUp() {
        return !holding;
    }

    /** Ends the hold once {@code image} holds this broker's registration: every partition is applied with its real leader. */
    private void maybeRelease(MetadataImage image) {
        if (!holding || catchUpEpoch < 0) return;
        io.runnel.metadata.BrokerRegistration me = image.broker(nodeId);
        if (image.offset() <= catchUpEpoch && (me == null || me.epoch() < catchUpEpoch)) return;
        partitions.releaseLeadership();
        int hosted = 0;
        for (TopicImage t : image.topics().values()) {
            LogConfig cfg = null;
            for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                if (!e.getValue().replicas().contains(nodeId)) continue;
                if (cfg == null) cfg = logConfig(image, t.name());
                applyPartition(t, new io.runnel.common.TopicPartition(t.name(), e.getKey()), e.getValue(), cfg);
                hosted++;
            }
        }
        holding = false;
        log.info("Caught up with the metadata log at offset {} (registered with epoch {}): leading and following {} partition(s)",
                image.offset(), catchUpEpoch, hosted);
    }

    public synchronized void publish(MetadataImage newImage) {
        MetadataImage old = current;
        for (TopicImage oldTopic : old.topics().values()) {
            TopicImage now = newImage.topic(oldTopic.id());
            if (now == null) {
                partitions.removeTopic(oldTopic.name());
                forgetFailures(oldTopic.name());
            }
        }
        BrokerConfigLayers newLayers = newImage.brokerLayers(nodeId, staticBrokerConfig);
        boolean brokerConfigChanged = old == MetadataImage.EMPTY || !Objects.equals(old.brokerLayers(nodeId, staticBrokerConfig), newLayers);
        if (brokerConfigChanged) {
            partitions.setThrottleRates(rate(newLayers, BrokerConfigs.LEADER_REPLICATION_THROTTLED_RATE),
                    rate(newLayers, BrokerConfigs.FOLLOWER_REPLICATION_THROTTLED_RATE));
        }
        for (TopicImage t : newImage.topics().values()) {
            TopicImage before = old.topic(t.id());
            boolean configChanged = brokerConfigChanged || !Objects.equals(old.topicConfigs(t.name()), newImage.topicConfigs(t.name()));
            LogConfig cfg = null;
            if (before == null || configChanged || !before.partitions().equals(t.partitions())) {
                cfg = logConfig(newImage, t.name());
            }
            boolean retry = topicsWithLogFailures.contains(t.name());
            if (retry && cfg == null) cfg = logConfig(newImage, t.name());
            if (before == null || retry || !before.partitions().equals(t.partitions())) {
                for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                    PartitionState ps = e.getValue();
                    io.runnel.common.TopicPartition tp = new io.runnel.common.TopicPartition(t.name(), e.getKey());
                    if (before != null && ps.equals(before.partition(e.getKey())) && !(retry && logFailures.containsKey(tp))) {
                        continue;
                    }
                    applyPartition(t, tp, ps, cfg);
                }
                if (retry && logFailures.keySet().stream().noneMatch(tp -> tp.topic().equals(t.name()))) {
                    topicsWithLogFailures.remove(t.name());
                }
            }
            if (before != null && configChanged) {
                partitions.updateConfig(t.name(), cfg);
                log.info("Applied new configuration to topic {}", t.name());
            }
            if (before == null || configChanged || !before.partitions().equals(t.partitions())) {
                partitions.setMinInsyncReplicas(t.name(), minInsyncReplicas(newImage, t.name(), newLayers));
            }
            if (before == null || !Objects.equals(old.topicConfigs(t.name()), newImage.topicConfigs(t.name()))
                    || !before.partitions().equals(t.partitions())) {
                Map<String, String> overrides = newImage.topicConfigs(t.name());
                partitions.setThrottledReplicas(t.name(), list(overrides.get(TopicConfigs.LEADER_REPLICATION_THROTTLED_REPLICAS)),
                        list(overrides.get(TopicConfigs.FOLLOWER_REPLICATION_THROTTLED_REPLICAS)));
            }
        }
        // before the image is visible (its offset goes into heartbeats, which unfence this broker)
        if (holding) maybeRelease(newImage);
        current = newImage;
    }

    /**
     * One partition; a log that cannot be created is recorded (and logged) instead of stopping the
     * image, so the other partitions are still applied and the failure is reported by the request
     * that created the partition.
     */
    private void applyPartition(TopicImage t, io.runnel.common.TopicPartition tp, PartitionState ps, LogConfig cfg) {
        try {
            partitions.applyPartition(t.name(), t.id(), tp.partition(),
                    new Partition.ReplicaState(ps.leader(), ps.leaderEpoch(), ps.partitionEpoch(), ps.replicas(), ps.isr()), cfg);
            if (logFailures.remove(tp) != null) log.info("Created the log of {} after an earlier failure", tp);
        } catch (RuntimeException e) {
            if (logFailures.put(tp, e.getMessage()) == null) log.error("Cannot host {}: {}", tp, e.getMessage());
            topicsWithLogFailures.add(t.name());
        }
    }

    /** The topic's effective min.insync.replicas (its override, else the broker's layers); 1 when unparseable. */
    private static int minInsyncReplicas(MetadataImage image, String topic, BrokerConfigLayers layers) {
        var e = TopicConfigs.describe(TopicConfigs.MIN_IN_SYNC_REPLICAS, image.topicConfigs(topic), layers);
        if (e == null || e.value() == null) return 1;
        try {
            return Integer.parseInt(e.value().trim());
        } catch (NumberFormatException ex) {
            return 1;
        }
    }

    /** A throttle rate in bytes/s from the broker's layers; no limit when unset or unparseable. */
    private static long rate(BrokerConfigLayers layers, String key) {
        var v = layers.lookup(key);
        if (v == null || v.value() == null) return Long.MAX_VALUE;
        try {
            return Long.parseLong(v.value().trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static java.util.List<String> list(String value) {
        if (value == null || value.isBlank()) return java.util.List.of();
        return java.util.Arrays.asList(value.split(","));
    }

    private void forgetFailures(String topic) {
        if (topicsWithLogFailures.remove(topic)) logFailures.keySet().removeIf(tp -> tp.topic().equals(topic));
    }
}
