package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.LocalMarkerWriter;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.WriteTxnMarkersRequest;
import io.runnel.protocol.message.WriteTxnMarkersResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * WriteTxnMarkers (v1-2): a transaction coordinator asks the leaders of a transaction's partitions to write its
 * commit or abort marker. Each partition is written through the {@link LocalMarkerWriter} (a partition of
 * {@code __consumer_offsets} by the group coordinator, which applies or drops the producer's pending offsets with it)
 * and answered with its own error once the ISR has the marker: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH (older than the
 * producer's epoch), TRANSACTION_COORDINATOR_FENCED (older coordinator epoch), KAFKA_STORAGE_ERROR, ... A failed
 * partition writes nothing. Broker to broker in a cluster; served on one node too. The v2 transaction version is
 * accepted and not needed: epochs are checked the same way for both protocol versions.
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse> {
    private final LocalMarkerWriter partitions;

    public WriteTxnMarkersHandler(LocalMarkerWriter partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.WRITE_TXN_MARKERS;
    }

    @Override
    public CompletableFuture<WriteTxnMarkersResponse> handle(RequestContext ctx, WriteTxnMarkersRequest req) {
        WriteTxnMarkersResponse resp = new WriteTxnMarkersResponse();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        boolean allowed = ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_CLUSTER_ACTION); // Kafka: only brokers (CLUSTER_ACTION)
        for (WriteTxnMarkersRequest.Marker m : req.markers) {
            WriteTxnMarkersResponse.Marker mr = new WriteTxnMarkersResponse.Marker();
            mr.producerId = m.producerId;
            resp.markers.add(mr);
            for (WriteTxnMarkersRequest.Topic t : m.topics) {
                WriteTxnMarkersResponse.Topic tr = new WriteTxnMarkersResponse.Topic();
                tr.name = t.name;
                mr.topics.add(tr);
                for (int index : t.partitionIndexes) {
                    WriteTxnMarkersResponse.Partition pr = new WriteTxnMarkersResponse.Partition();
                    pr.partitionIndex = index;
                    tr.partitions.add(pr);
                    if (!allowed) {
                        pr.errorCode = Errors.CLUSTER_AUTHORIZATION_FAILED.code();
                        continue;
                    }
                    pending.add(partitions.writeTxnMarker(new TopicPartition(t.name, index), m.producerId,
                                    m.producerEpoch, m.coordinatorEpoch, m.transactionResult)
                            .exceptionally(Errors::forException)
                            .thenAccept(e -> pr.errorCode = e.code()));
                }
            }
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).thenApply(v -> resp);
    }
}
