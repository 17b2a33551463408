package io.runnel.broker.handler;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.ApiException;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DeleteRecordsRequest;
import io.runnel.protocol.message.DeleteRecordsResponse;

import java.util.concurrent.CompletableFuture;

/**
 * DeleteRecords: moves each partition's log start offset up to the requested offset (-1 = the high
 * watermark) and answers with the new low watermark. Whole segments below it are deleted by storage;
 * OFFSET_OUT_OF_RANGE when the offset is beyond the high watermark.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse> {
    private final ReplicaManager partitions;

    public DeleteRecordsHandler(ReplicaManager partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public CompletableFuture<DeleteRecordsResponse> handle(RequestContext ctx, DeleteRecordsRequest req) {
        DeleteRecordsResponse resp = new DeleteRecordsResponse();
        for (DeleteRecordsRequest.Topic t : req.topics) {
            DeleteRecordsResponse.TopicResult tr = new DeleteRecordsResponse.TopicResult();
            tr.name = t.name;
            for (DeleteRecordsRequest.Partition rp : t.partitions) {
                DeleteRecordsResponse.PartitionResult pr = new DeleteRecordsResponse.PartitionResult();
                pr.partitionIndex = rp.partitionIndex;
                pr.lowWatermark = -1;
                if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_DELETE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) { // Kafka: DELETE on the topic
                    pr.errorCode = io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED.code();
                    tr.partitions.add(pr);
                    continue;
                }
                try {
                    Partition p = partitions.leaderFor(new TopicPartition(t.name, rp.partitionIndex), -1);
                    long target = rp.offset == -1 ? p.log().highWatermark() : rp.offset;
                    pr.lowWatermark = p.log().deleteRecordsBefore(target);
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
