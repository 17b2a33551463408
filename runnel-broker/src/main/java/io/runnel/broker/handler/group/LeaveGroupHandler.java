package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.ClassicGroupApi.LeaveMember;
import io.runnel.group.api.ClassicGroupApi.LeaveMemberResult;
import io.runnel.group.api.ClassicGroupApi.LeaveParams;
import io.runnel.group.api.ClassicGroupApi.LeaveResult;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.LeaveGroupRequest;
import io.runnel.protocol.message.LeaveGroupResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * LeaveGroup: v0-2 remove one member (its error is the response's); v3+ remove a batch of members, by
 * member id or group.instance.id (KIP-345), each with its own error.
 */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequest, LeaveGroupResponse> {
    private final GroupCoordinator coordinator;

    public LeaveGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.LEAVE_GROUP;
    }

    @Override
    public CompletableFuture<LeaveGroupResponse> handle(RequestContext ctx, LeaveGroupRequest request) {
        boolean batched = ctx.apiVersion() >= 3;
        List<LeaveMember> members = new ArrayList<>();
        if (batched) {
            for (LeaveGroupRequest.Member m : request.members) {
                members.add(new LeaveMember(GroupHandlerSupport.nullToEmpty(m.memberId), m.groupInstanceId));
            }
        } else {
            members.add(new LeaveMember(GroupHandlerSupport.nullToEmpty(request.memberId), null));
        }
        CompletableFuture<LeaveResult> result = ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, request.groupId)
                ? coordinator.leaveGroup(new LeaveParams(request.groupId, members))
                : CompletableFuture.completedFuture(new LeaveResult(Errors.GROUP_AUTHORIZATION_FAILED, List.of()));
        return result
                .exceptionally(t -> new LeaveResult(GroupHandlerSupport.errorOf(t), List.of()))
                .thenApply(r -> {
                    LeaveGroupResponse resp = new LeaveGroupResponse();
                    if (batched) {
                        resp.errorCode = r.error().code();
                        if (r.error() == Errors.NONE) {
                            for (LeaveMemberResult m : r.members()) {
                                LeaveGroupResponse.Member w = new LeaveGroupResponse.Member();
                                w.memberId = m.memberId();
                                w.groupInstanceId = m.groupInstanceId();
                                w.errorCode = m.error().code();
                                resp.members.add(w);
                            }
                        }
                    } else {
                        Errors e = r.error() != Errors.NONE || r.members().isEmpty() ? r.error() : r.members().getFirst().error();
                        resp.errorCode = e.code();
                    }
                    return resp;
                });
    }
}
