package io.runnel.broker;

import io.runnel.broker.partition.MetadataPublisher;
import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.BrokerRegistration;
import io.runnel.metadata.MetadataImage;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * What handlers need to know about this broker and the cluster: its id, its configuration, the
 * current metadata image, and how to ask the controller for automatic topic creation.
 */
public final class BrokerContext {
    private final int nodeId;
    private final BrokerConfigs config;
    private final MetadataPublisher publisher;
    private final TopicAutoCreator autoCreator;
    private final java.util.function.IntSupplier controllerId;

    /** Creates topics with the broker's defaults (num.partitions, default.replication.factor). */
    public interface TopicAutoCreator {
        CompletableFuture<Void> createWithDefaults(Collection<String> topics);
    }

    public BrokerContext(int nodeId, BrokerConfigs config, MetadataPublisher publisher, TopicAutoCreator autoCreator) {
        this(nodeId, config, publisher, autoCreator, () -> nodeId);
    }

    /** {@code controllerId}: the active controller clients send metadata changes to (-1 while none). */
    public BrokerContext(int nodeId, BrokerConfigs config, MetadataPublisher publisher, TopicAutoCreator autoCreator,
                         java.util.function.IntSupplier controllerId) {
        this.controllerId = controllerId;
        this.nodeId = nodeId;
        this.config = config;
        this.publisher = publisher;
        this.autoCreator = autoCreator;
    }

    public int nodeId() {
        return nodeId;
    }

    /**
     * The node clients send metadata changes to: this one on a single node; in a cluster the active controller if it
     * is a live broker, else another live broker ({@link #controllerIdForClients}).
     */
    public int controllerId() {
        return controllerId.getAsInt();
    }

    /**
     * The controller id a broker of a cluster gives clients (Metadata, DescribeCluster): the active controller
     * when it is a live broker clients can reach (a combined node, as before), else, as Kafka in KRaft mode does
     * (it names a random live broker), a live broker: this one if it is live, else the lowest live id; -1 when
     * there is no active controller or no live broker. Any broker forwards what clients send to "the controller"
     * (docs/cluster.md), so a dedicated controller, which has no Kafka listener, is never named.
     */
    public static int controllerIdForClients(int activeController, int self, java.util.Map<Integer, BrokerRegistration> brokers) {
        if (activeController < 0) return -1;
        if (live(brokers.get(activeController))) return activeController;
        if (live(brokers.get(self))) return self;
        return brokers.values().stream().filter(BrokerContext::live).mapToInt(BrokerRegistration::id).min().orElse(-1);
    }

    private static boolean live(BrokerRegistration b) {
        return b != null && !b.fenced();
    }

    public BrokerConfigs config() {
        return config;
    }

    public MetadataImage image() {
        return publisher.image();
    }

    /**
     * False while this broker (of a cluster, restarting) has not caught up with the metadata log: its image may be
     * stale and it neither leads nor follows any partition yet (docs/replication.md).
     */
    public boolean metadataCaughtUp() {
        return publisher.caughtUp();
    }

    public MetadataPublisher publisher() {
        return publisher;
    }

    public TopicAutoCreator autoCreator() {
        return autoCreator;
    }

    public boolean autoCreateTopicsEnabled() {
        return config.values().getBoolean(BrokerConfigs.AUTO_CREATE_TOPICS_ENABLE);
    }

    /** The endpoint of a broker on the named listener, or null when it has none there. */
    public static BrokerRegistration.Endpoint endpoint(BrokerRegistration b, String listener) {
        for (BrokerRegistration.Endpoint e : b.endpoints()) {
            if (e.listener().equalsIgnoreCase(listener)) return e;
        }
        return null;
    }
}
