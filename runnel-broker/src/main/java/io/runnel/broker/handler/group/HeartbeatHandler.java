package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ClassicGroupApi.HeartbeatParams;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.HeartbeatRequest;
import io.runnel.protocol.message.HeartbeatResponse;

import java.util.concurrent.CompletableFuture;

/** Heartbeat (classic groups): keeps a member alive and tells it when to rejoin (REBALANCE_IN_PROGRESS). */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequest, HeartbeatResponse> {
    private final GroupCoordinator coordinator;

    public HeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.HEARTBEAT;
    }

    @Override
    public CompletableFuture<HeartbeatResponse> handle(RequestContext ctx, HeartbeatRequest request) {
        HeartbeatParams params = new HeartbeatParams(request.groupId, request.generationId,
                GroupHandlerSupport.nullToEmpty(request.memberId), ctx.apiVersion() >= 3 ? request.groupInstanceId : null);
        CompletableFuture<io.runnel.common.Errors> result = ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)
                ? coordinator.heartbeat(params) : CompletableFuture.completedFuture(io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED);
        return result
                .exceptionally(GroupHandlerSupport::errorOf)
                .thenApply(e -> {
                    HeartbeatResponse resp = new HeartbeatResponse();
                    resp.errorCode = e.code();
                    return resp;
                });
    }
}
