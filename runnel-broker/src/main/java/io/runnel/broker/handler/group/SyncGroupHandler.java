package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ClassicGroupApi.SyncParams;
import io.runnel.group.api.ClassicGroupApi.SyncResult;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.SyncGroupRequest;
import io.runnel.protocol.message.SyncGroupResponse;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** SyncGroup: the leader's assignment in, each member's assignment out (once the leader's is stored). */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequest, SyncGroupResponse> {
    private final GroupCoordinator coordinator;

    public SyncGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.SYNC_GROUP;
    }

    @Override
    public CompletableFuture<SyncGroupResponse> handle(RequestContext ctx, SyncGroupRequest request) {
        short version = ctx.apiVersion();
        Map<String, byte[]> assignments = new HashMap<>();
        for (SyncGroupRequest.Assignment a : request.assignments) assignments.put(a.memberId, a.assignment);
        SyncParams params = new SyncParams(request.groupId, request.generationId, GroupHandlerSupport.nullToEmpty(request.memberId),
                version >= 3 ? request.groupInstanceId : null, version >= 5 ? request.protocolType : null,
                version >= 5 ? request.protocolName : null, assignments);
        CompletableFuture<SyncResult> result = ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)
                ? coordinator.syncGroup(params) : CompletableFuture.completedFuture(SyncResult.error(io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED));
        return result
                .exceptionally(t -> SyncResult.error(GroupHandlerSupport.errorOf(t)))
                .thenApply(r -> {
                    SyncGroupResponse resp = new SyncGroupResponse();
                    resp.errorCode = r.error().code();
                    resp.protocolType = r.protocolType();
                    resp.protocolName = r.protocolName();
                    resp.assignment = r.assignment() == null ? new byte[0] : r.assignment();
                    return resp;
                });
    }
}
