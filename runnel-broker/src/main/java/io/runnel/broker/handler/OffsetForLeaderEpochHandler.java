package io.runnel.broker.handler;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.ApiException;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.OffsetForLeaderEpochRequest;
import io.runnel.protocol.message.OffsetForLeaderEpochResponse;
import io.runnel.storage.EpochEndOffset;

import java.util.concurrent.CompletableFuture;

/**
 * OffsetForLeaderEpoch: for each partition, the largest epoch not above the requested one and the
 * offset where it ended (the log end offset for the current epoch). Consumers use it to detect log
 * truncation after a leader change; followers will use it to truncate before fetching.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> {
    private final ReplicaManager partitions;

    public OffsetForLeaderEpochHandler(ReplicaManager partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public CompletableFuture<OffsetForLeaderEpochResponse> handle(RequestContext ctx, OffsetForLeaderEpochRequest req) {
        OffsetForLeaderEpochResponse resp = new OffsetForLeaderEpochResponse();
        // Kafka's rule (KIP-320 let consumers use this API): CLUSTER_ACTION on the cluster (asked quietly, as Kafka does
        // not log that denial) allows every topic, else DESCRIBE on each topic; the replica id does not matter
        boolean clusterAction = ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_CLUSTER_ACTION,
                io.runnel.metadata.AclBinding.RESOURCE_CLUSTER, io.runnel.metadata.AclBinding.CLUSTER_NAME);
        for (OffsetForLeaderEpochRequest.Topic t : req.topics) {
            OffsetForLeaderEpochResponse.TopicResult tr = new OffsetForLeaderEpochResponse.TopicResult();
            tr.topic = t.topic;
            for (OffsetForLeaderEpochRequest.Partition rp : t.partitions) {
                OffsetForLeaderEpochResponse.EpochEndOffset pr = new OffsetForLeaderEpochResponse.EpochEndOffset();
                pr.partition = rp.partition;
                if (!clusterAction && !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.topic)) {
                    pr.errorCode = io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED.code();
                    tr.partitions.add(pr);
                    continue;
                }
                try {
                    Partition p = partitions.leaderFor(new TopicPartition(t.topic, rp.partition), rp.currentLeaderEpoch);
                    EpochEndOffset e = p.log().endOffsetForEpoch(rp.leaderEpoch);
                    pr.leaderEpoch = e.leaderEpoch();
                    pr.endOffset = e.endOffset();
                } catch (ApiException e) {
                    pr.errorCode = e.error().code();
                }
                tr.partitions.add(pr);
            }
            resp.topics.add(tr);
        }
        return CompletableFuture.completedFuture(resp);
    }
}
