package io.runnel.broker.txn;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.group.CoordinatorLocator;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.TopicPartition;
import io.runnel.config.BrokerConfigs;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connects the transaction coordinator to the broker: loads a partition of {@code __transaction_state} when this
 * broker becomes its leader and drops it when it stops leading it (the same hooks as the group coordinator's), and
 * locates coordinators for FindCoordinator, creating {@code __transaction_state} on first use as Kafka does
 * (transaction.state.log.num.partitions, compacted, transaction.state.log.segment.bytes, min.insync.replicas).
 */
public final class TxnSupport implements ReplicaManager.LeadershipListener, CoordinatorLocator {
    private static final Logger log = LoggerFactory.getLogger(TxnSupport.class);

    private final TransactionCoordinator coordinator;
    private final CoordinatorLocator groups;
    private final MetadataController controller;
    private final BrokerContext broker;
    private final AtomicBoolean creating = new AtomicBoolean();
    /** The creation of __transaction_state this broker started last (completed when none runs). */
    private volatile java.util.concurrent.CompletableFuture<Void> creation = java.util.concurrent.CompletableFuture.completedFuture(null);

    /** @param groups the group coordinator's locator, which finds leaders of any topic (and creates __consumer_offsets) */
    public TxnSupport(TransactionCoordinator coordinator, CoordinatorLocator groups, MetadataController controller, BrokerContext broker) {
        this.coordinator = coordinator;
        this.groups = groups;
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public void onBecomeLeader(Partition partition) {
        TopicPartition tp = partition.topicPartition();
        if (tp.topic().equals(TransactionCoordinator.TOPIC)) {
            coordinator.onElection(tp.partition()).whenComplete((ok, err) -> {
                if (err != null) log.error("Loading transaction coordinator partition {} failed", tp, err);
            });
        }
    }

    @Override
    public void onStopLeading(TopicPartition tp) {
        if (tp.topic().equals(TransactionCoordinator.TOPIC)) coordinator.onResignation(tp.partition());
    }

    @Override
    public Node leaderOf(String topic, int partition, String listenerName) {
        if (topic.equals(TransactionCoordinator.TOPIC) && broker.image().topic(topic) == null) {
            createTopic();
            return null;
        }
        return groups.leaderOf(topic, partition, listenerName);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> creationOf(String topic) {
        return topic.equals(TransactionCoordinator.TOPIC) ? creation : groups.creationOf(topic);
    }

    private void createTopic() {
        if (!creating.compareAndSet(false, true)) return;
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        creation = done;
        var cfg = broker.config().values();
        int partitions = cfg.getInt(BrokerConfigs.TRANSACTION_STATE_LOG_NUM_PARTITIONS);
        // as __consumer_offsets: a single node caps the factor at its one broker; a cluster applies it as Kafka does (the
        // topic is created once that many brokers are unfenced; until then FindCoordinator is COORDINATOR_NOT_AVAILABLE)
        short configured = cfg.getShort(BrokerConfigs.TRANSACTION_STATE_LOG_REPLICATION_FACTOR);
        int rf = controller.replicated() ? configured : Math.min(configured, Math.max(1, broker.image().brokers().size()));
        int minIsr = Math.min(cfg.getInt(BrokerConfigs.TRANSACTION_STATE_LOG_MIN_ISR), rf);
        NewTopic nt = NewTopic.of(TransactionCoordinator.TOPIC, partitions, rf).withConfigs(Map.of(
                "cleanup.policy", "compact", "compression.type", "uncompressed",
                "min.insync.replicas", Integer.toString(minIsr),
                "segment.bytes", Integer.toString(cfg.getInt(BrokerConfigs.TRANSACTION_STATE_LOG_SEGMENT_BYTES))));
        controller.createTopics(List.of(nt), false).whenComplete((r, err) -> {
            creating.set(false);
            if (err != null) log.error("Creating {} failed", TransactionCoordinator.TOPIC, err);
            else log.info("Created {} with {} partitions: {}", TransactionCoordinator.TOPIC, partitions, r.get(0).error());
            done.complete(null);
        });
    }
}
