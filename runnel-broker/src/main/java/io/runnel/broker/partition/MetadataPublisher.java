package io.runnel.broker.partition;

import io.runnel.config.BrokerConfigLayers;
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

    private final PartitionManager partitions;
    private final int nodeId;
    private final Map<String, String> staticBrokerConfig;
    private volatile MetadataImage current = MetadataImage.EMPTY;

    public MetadataPublisher(PartitionManager partitions, int nodeId, Map<String, String> staticBrokerConfig) {
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

    public synchronized void publish(MetadataImage newImage) {
        MetadataImage old = current;
        for (TopicImage oldTopic : old.topics().values()) {
            TopicImage now = newImage.topic(oldTopic.id());
            if (now == null) partitions.removeTopic(oldTopic.name());
        }
        boolean brokerConfigChanged = !Objects.equals(old.brokerLayers(nodeId, staticBrokerConfig), newImage.brokerLayers(nodeId, staticBrokerConfig));
        for (TopicImage t : newImage.topics().values()) {
            TopicImage before = old.topic(t.id());
            boolean configChanged = brokerConfigChanged || !Objects.equals(old.topicConfigs(t.name()), newImage.topicConfigs(t.name()));
            LogConfig cfg = null;
            if (before == null || configChanged || !before.partitions().equals(t.partitions())) {
                cfg = logConfig(newImage, t.name());
            }
            if (before == null || !before.partitions().equals(t.partitions())) {
                for (Map.Entry<Integer, PartitionState> e : t.partitions().entrySet()) {
                    PartitionState ps = e.getValue();
                    if (before != null && ps.equals(before.partition(e.getKey()))) continue;
                    partitions.applyPartition(t.name(), t.id(), e.getKey(),
                            new Partition.ReplicaState(ps.leader(), ps.leaderEpoch(), ps.partitionEpoch(), ps.replicas(), ps.isr()), cfg);
                }
            }
            if (before != null && configChanged) {
                partitions.updateConfig(t.name(), cfg);
                log.info("Applied new configuration to topic {}", t.name());
            }
        }
        current = newImage;
    }
}
