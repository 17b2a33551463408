package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatParams;
import io.runnel.group.api.ConsumerGroupApi.HeartbeatResult;
import io.runnel.group.api.ConsumerGroupApi.TopicIdPartitions;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ConsumerGroupHeartbeatRequest;
import io.runnel.protocol.message.ConsumerGroupHeartbeatResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ConsumerGroupHeartbeat (KIP-848): joins, leaves and heartbeats of consumer-protocol members; the response
 * carries the member epoch and, when it changed, the member's assignment. v1 adds regex subscriptions.
 */
public final class ConsumerGroupHeartbeatHandler implements ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> {
    private final GroupCoordinator coordinator;

    public ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
    }

    @Override
    public CompletableFuture<ConsumerGroupHeartbeatResponse> handle(RequestContext ctx, ConsumerGroupHeartbeatRequest request) {
        List<TopicIdPartitions> owned = null;
        if (request.topicPartitions != null) {
            owned = new ArrayList<>();
            for (ConsumerGroupHeartbeatRequest.TopicPartitions t : request.topicPartitions) {
                owned.add(new TopicIdPartitions(t.topicId, List.copyOf(t.partitions)));
            }
        }
        HeartbeatParams params = new HeartbeatParams(request.groupId, request.memberId, request.memberEpoch, request.instanceId,
                request.rackId, request.rebalanceTimeoutMs,
                request.subscribedTopicNames == null ? null : List.copyOf(request.subscribedTopicNames),
                ctx.apiVersion() >= 1 ? request.subscribedTopicRegex : null, request.serverAssignor, owned,
                GroupHandlerSupport.clientId(ctx), GroupHandlerSupport.clientHost(ctx),
                // Kafka: a regex subscription matches only the topics the member's principal may DESCRIBE (not audited)
                ctx.authorizationEnabled() ? t -> ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE,
                        io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t) : null);
        // Kafka: READ on the group; then DESCRIBE on every subscribed topic name (else TOPIC_AUTHORIZATION_FAILED)
        CompletableFuture<HeartbeatResult> result;
        if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)) {
            result = CompletableFuture.completedFuture(HeartbeatResult.error(io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED, null));
        } else if (request.subscribedTopicNames != null && request.subscribedTopicNames.stream()
                .anyMatch(t -> !ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_TOPIC, t))) {
            result = CompletableFuture.completedFuture(HeartbeatResult.error(io.runnel.common.Errors.TOPIC_AUTHORIZATION_FAILED, null));
        } else {
            result = coordinator.consumerGroupHeartbeat(params);
        }
        return result
                .exceptionally(t -> HeartbeatResult.error(GroupHandlerSupport.errorOf(t), null))
                .thenApply(r -> {
                    ConsumerGroupHeartbeatResponse resp = new ConsumerGroupHeartbeatResponse();
                    resp.errorCode = r.error().code();
                    resp.errorMessage = r.errorMessage();
                    resp.memberId = r.memberId();
                    resp.memberEpoch = r.memberEpoch();
                    resp.heartbeatIntervalMs = r.heartbeatIntervalMs();
                    if (r.assignment() != null) {
                        ConsumerGroupHeartbeatResponse.Assignment a = new ConsumerGroupHeartbeatResponse.Assignment();
                        for (TopicIdPartitions tp : r.assignment()) {
                            ConsumerGroupHeartbeatResponse.TopicPartitions w = new ConsumerGroupHeartbeatResponse.TopicPartitions();
                            w.topicId = tp.topicId();
                            w.partitions = new ArrayList<>(tp.partitions());
                            a.topicPartitions.add(w);
                        }
                        resp.assignment = a;
                    }
                    return resp;
                });
    }
}
