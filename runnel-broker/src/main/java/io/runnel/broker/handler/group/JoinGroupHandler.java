package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ClassicGroupApi.JoinMember;
import io.runnel.group.api.ClassicGroupApi.JoinParams;
import io.runnel.group.api.ClassicGroupApi.JoinResult;
import io.runnel.group.api.ClassicGroupApi.Protocol;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.JoinGroupRequest;
import io.runnel.protocol.message.JoinGroupResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * JoinGroup: hands the join to the group coordinator; the response comes when the join phase of the
 * rebalance ends (possibly after the rebalance timeout). v0 has no rebalance timeout: it is the session
 * timeout. v4+ first joins get MEMBER_ID_REQUIRED.
 */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequest, JoinGroupResponse> {
    private final GroupCoordinator coordinator;

    public JoinGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.JOIN_GROUP;
    }

    @Override
    public CompletableFuture<JoinGroupResponse> handle(RequestContext ctx, JoinGroupRequest request) {
        short version = ctx.apiVersion();
        List<Protocol> protocols = new ArrayList<>(request.protocols.size());
        for (JoinGroupRequest.Protocol p : request.protocols) protocols.add(new Protocol(p.name, p.metadata));
        int rebalanceTimeout = version == 0 || request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs;
        JoinParams params = new JoinParams(request.groupId, GroupHandlerSupport.nullToEmpty(request.memberId),
                version >= 5 ? request.groupInstanceId : null, request.protocolType, protocols, request.sessionTimeoutMs,
                rebalanceTimeout, GroupHandlerSupport.clientId(ctx), GroupHandlerSupport.clientHost(ctx), version);
        if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)) {
            return CompletableFuture.completedFuture(response(JoinResult.error(io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED, params.memberId()), version));
        }
        return coordinator.joinGroup(params)
                .exceptionally(t -> JoinResult.error(GroupHandlerSupport.errorOf(t), params.memberId()))
                .thenApply(r -> response(r, version));
    }

    static JoinGroupResponse response(JoinResult r, short version) {
        JoinGroupResponse resp = new JoinGroupResponse();
        resp.errorCode = r.error().code();
        resp.generationId = r.generationId();
        resp.protocolType = r.protocolType();
        resp.protocolName = version >= 7 ? r.protocolName() : GroupHandlerSupport.nullToEmpty(r.protocolName());
        resp.leader = GroupHandlerSupport.nullToEmpty(r.leader());
        resp.skipAssignment = r.skipAssignment();
        resp.memberId = GroupHandlerSupport.nullToEmpty(r.memberId());
        for (JoinMember m : r.members()) {
            JoinGroupResponse.Member w = new JoinGroupResponse.Member();
            w.memberId = m.memberId();
            w.groupInstanceId = m.groupInstanceId();
            w.metadata = m.metadata();
            resp.members.add(w);
        }
        return resp;
    }
}
