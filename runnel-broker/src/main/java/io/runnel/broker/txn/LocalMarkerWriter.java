package io.runnel.broker.txn;

import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.group.GroupCoordinator;
import io.runnel.broker.group.OffsetsTopicLog;

import java.util.concurrent.CompletableFuture;

/**
 * Writes a marker into a partition this broker leads: one of {@code __consumer_offsets} through the group coordinator,
 * which writes it as an operation of the group's shard and applies or drops the producer's pending offsets (never
 * racing with the shard's load: Kafka's approach), any other through {@link ReplicaManager#writeTxnMarker}. Both
 * complete once the ISR has the marker. The one local path for the coordinator's own markers and for WriteTxnMarkers
 * from other brokers.
 */
public final class LocalMarkerWriter implements MarkerWriter {
    private final GroupCoordinator groups;
    private final ReplicaManager partitions;

    public LocalMarkerWriter(GroupCoordinator groups, ReplicaManager partitions) {
        this.groups = groups;
        this.partitions = partitions;
    }

    @Override
    public CompletableFuture<Errors> writeTxnMarker(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                                    boolean commit) {
        return tp.topic().equals(OffsetsTopicLog.TOPIC)
                ? groups.writeTxnMarker(tp.partition(), producerId, producerEpoch, coordinatorEpoch, commit)
                : partitions.writeTxnMarker(tp, producerId, producerEpoch, coordinatorEpoch, commit);
    }
}
