package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.common.TopicPartition;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.OffsetApi.DeleteResult;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.OffsetDeleteRequest;
import io.runnel.protocol.message.OffsetDeleteResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetDelete: removes committed offsets of a group, except for topics the group's members subscribe to
 * (GROUP_SUBSCRIBED_TO_TOPIC). GROUP_ID_NOT_FOUND and NON_EMPTY_GROUP (a non-consumer group with members)
 * are top-level errors.
 */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse> {
    private final GroupCoordinator coordinator;

    public OffsetDeleteHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public CompletableFuture<OffsetDeleteResponse> handle(RequestContext ctx, OffsetDeleteRequest request) {
        // Kafka: DELETE on the group (else a top-level GROUP_AUTHORIZATION_FAILED), READ on each topic
        if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_DELETE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)) {
            OffsetDeleteResponse resp = new OffsetDeleteResponse();
            resp.errorCode = Errors.GROUP_AUTHORIZATION_FAILED.code();
            return CompletableFuture.completedFuture(resp);
        }
        java.util.Set<String> deniedTopics = new java.util.HashSet<>();
        List<TopicPartition> partitions = new ArrayList<>();
        for (OffsetDeleteRequest.Topic t : request.topics) {
            if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t.name)) {
                deniedTopics.add(t.name);
                continue;
            }
            for (OffsetDeleteRequest.Partition p : t.partitions) partitions.add(new TopicPartition(t.name, p.partitionIndex));
        }
        return coordinator.deleteOffsets(request.groupId, partitions)
                .exceptionally(t -> new DeleteResult(GroupHandlerSupport.errorOf(t), Map.of()))
                .thenApply(r -> {
                    OffsetDeleteResponse resp = new OffsetDeleteResponse();
                    resp.errorCode = r.error().code();
                    if (r.error() != Errors.NONE) return resp;
                    for (OffsetDeleteRequest.Topic t : request.topics) {
                        OffsetDeleteResponse.Topic rt = new OffsetDeleteResponse.Topic();
                        rt.name = t.name;
                        for (OffsetDeleteRequest.Partition p : t.partitions) {
                            OffsetDeleteResponse.Partition rp = new OffsetDeleteResponse.Partition();
                            rp.partitionIndex = p.partitionIndex;
                            rp.errorCode = deniedTopics.contains(t.name) ? Errors.TOPIC_AUTHORIZATION_FAILED.code() : r.partitions().getOrDefault(new TopicPartition(t.name, p.partitionIndex), Errors.NONE).code();
                            rt.partitions.add(rp);
                        }
                        resp.topics.add(rt);
                    }
                    return resp;
                });
    }
}
