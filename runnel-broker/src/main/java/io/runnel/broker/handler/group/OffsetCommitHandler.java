package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.OffsetApi.CommitParams;
import io.runnel.group.api.OffsetApi.CommitPartition;
import io.runnel.group.api.OffsetApi.CommitResult;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.OffsetCommitRequest;
import io.runnel.protocol.message.OffsetCommitResponse;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetCommit: stores offsets (with leader epoch and metadata) for a group, checked against the member's
 * generation (classic) or epoch (consumer protocol, v9+). v10 names topics by id: ids this broker does not
 * know get UNKNOWN_TOPIC_ID. v2-4 may carry a retention time.
 *
 * <p>As in Kafka, a topic or partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION
 ({@link OffsetCommitTargets}) and is never handed to the coordinator, so nothing is stored for it;
 * the other partitions of the request are committed normally. This applies to every version and to the
 * admin path (AlterConsumerGroupOffsets is an OffsetCommit with generation -1).
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
    private final GroupCoordinator coordinator;

    public OffsetCommitHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<OffsetCommitResponse> handle(RequestContext ctx, OffsetCommitRequest request) {
        short version = ctx.apiVersion();
        // Kafka: READ on the group (else every partition GROUP_AUTHORIZATION_FAILED) and READ on each topic
        boolean groupAllowed = ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId);
        OffsetCommitTargets targets = new OffsetCommitTargets(coordinator.topics(), version >= 10,
                topic -> ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, topic));
        for (OffsetCommitRequest.Topic t : request.topics) {
            String name = targets.addTopic(t.name, t.topicId);
            if (name == null) continue;
            for (OffsetCommitRequest.Partition p : t.partitions) {
                targets.addPartition(name, p.partitionIndex, p.committedOffset, version >= 6 ? p.committedLeaderEpoch : -1,
                        p.committedMetadata);
            }
        }
        List<CommitPartition> partitions = targets.partitions();
        CommitParams params = new CommitParams(request.groupId, GroupHandlerSupport.nullToEmpty(request.memberId),
                version >= 7 ? request.groupInstanceId : null, request.generationIdOrMemberEpoch,
                version <= 4 ? request.retentionTimeMs : -1, partitions, version);
        CompletableFuture<CommitResult> result = partitions.isEmpty() || !groupAllowed
                ? CompletableFuture.completedFuture(new CommitResult(Map.of()))
                : coordinator.commitOffsets(params).exceptionally(t -> targets.failed(GroupHandlerSupport.errorOf(t)));
        return result.thenApply(r -> {
            OffsetCommitResponse resp = new OffsetCommitResponse();
            for (int i = 0; i < request.topics.size(); i++) {
                OffsetCommitRequest.Topic t = request.topics.get(i);
                OffsetCommitResponse.Topic rt = new OffsetCommitResponse.Topic();
                rt.name = t.name;
                rt.topicId = t.topicId;
                for (OffsetCommitRequest.Partition p : t.partitions) {
                    OffsetCommitResponse.Partition rp = new OffsetCommitResponse.Partition();
                    rp.partitionIndex = p.partitionIndex;
                    rp.errorCode = (groupAllowed ? targets.errorOf(i, p.partitionIndex, r) : io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED).code();
                    rt.partitions.add(rp);
                }
                resp.topics.add(rt);
            }
            return resp;
        });
    }
}
