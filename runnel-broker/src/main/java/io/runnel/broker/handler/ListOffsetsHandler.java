package io.runnel.broker.handler;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.ReplicaManager;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ListOffsetsRequest;
import io.runnel.protocol.message.ListOffsetsResponse;
import io.runnel.storage.PartitionLog;
import io.runnel.storage.TimestampAndOffset;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * ListOffsets: for each partition the offset matching a target timestamp, or one of Kafka's special
 * targets: -1 latest (high watermark; last stable offset for read_committed), -2 earliest, -3 the
 * record with the largest timestamp, -4 earliest local (= earliest, no tiered storage), -5 latest
 * tiered (none: -1). A new leader whose high watermark is still below where its epoch began answers
 * OFFSET_NOT_AVAILABLE for latest and for a timestamp found past the high watermark (Kafka's rule).
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest, ListOffsetsResponse> {
    static final long LATEST = -1, EARLIEST = -2, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4, LATEST_TIERED = -5, EARLIEST_PENDING_UPLOAD = -6;

    private final ReplicaManager partitions;

    public ListOffsetsHandler(ReplicaManager partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public CompletableFuture<ListOffsetsResponse> handle(RequestContext ctx, ListOffsetsRequest req) {
        ListOffsetsResponse resp = new ListOffsetsResponse();
        for (ListOffsetsRequest.Topic t : req.topics) {
            ListOffsetsResponse.TopicResponse tr = new ListOffsetsResponse.TopicResponse();
            tr.name = t.name;
            boolean denied = !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name); // Kafka: DESCRIBE on the topic
            for (ListOffsetsRequest.Partition rp : t.partitions) {
                ListOffsetsResponse.PartitionResponse pr = new ListOffsetsResponse.PartitionResponse();
                pr.partitionIndex = rp.partitionIndex;
                if (denied) {
                    pr.errorCode = io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED.code();
                    pr.timestamp = -1;
                    pr.offset = -1;
                    tr.partitions.add(pr);
                    continue;
                }
                try {
                    Partition p = partitions.leaderFor(new TopicPartition(t.name, rp.partitionIndex), rp.currentLeaderEpoch);
                    lookup(p, rp.timestamp, req.isolationLevel == 1, pr);
                } catch (ApiException e) {
                    pr.errorCode = e.error().code();
                }
                tr.partitions.add(pr);
            }
            resp.topics.add(tr);
        }
        return CompletableFuture.completedFuture(resp);
    }

    private static void lookup(Partition p, long target, boolean readCommitted, ListOffsetsResponse.PartitionResponse pr) {
        PartitionLog log = p.log();
        // a leader elected with more records than its high watermark covers does not know "latest" until the followers
        // catch up: OFFSET_NOT_AVAILABLE (retriable) for latest, and for a timestamp found at or past the high watermark
        boolean lagging = p.highWatermarkBehindEpochStart();
        if (target == LATEST) {
            if (lagging) throw new ApiException(Errors.OFFSET_NOT_AVAILABLE, "the high watermark (" + log.highWatermark()
                    + ") is behind the offset this leader's epoch began at");
            pr.offset = readCommitted ? log.lastStableOffset() : log.highWatermark();
            pr.timestamp = -1;
            pr.leaderEpoch = p.leaderEpoch();
            return;
        }
        if (target == EARLIEST || target == EARLIEST_LOCAL) {
            TimestampAndOffset e = log.earliestOffset();
            pr.offset = e.offset();
            pr.timestamp = -1;
            pr.leaderEpoch = e.leaderEpoch();
            return;
        }
        if (target == LATEST_TIERED || target == EARLIEST_PENDING_UPLOAD) {
            pr.offset = -1;
            pr.timestamp = -1;
            return;
        }
        Optional<TimestampAndOffset> found;
        if (target == MAX_TIMESTAMP) {
            found = log.maxTimestampOffset();
        } else if (target < 0) {
            throw new ApiException(Errors.INVALID_REQUEST, "unknown special timestamp " + target);
        } else {
            found = log.offsetForTimestamp(target);
        }
        long limit = readCommitted ? log.lastStableOffset() : log.highWatermark();
        if (found.isPresent() && found.get().offset() < limit) {
            pr.offset = found.get().offset();
            pr.timestamp = found.get().timestamp();
            pr.leaderEpoch = found.get().leaderEpoch();
        } else if (found.isPresent() && lagging) {
            throw new ApiException(Errors.OFFSET_NOT_AVAILABLE, "the high watermark (" + log.highWatermark()
                    + ") is behind the offset this leader's epoch began at");
        } else {
            pr.offset = -1;
            pr.timestamp = -1;
        }
    }
}
