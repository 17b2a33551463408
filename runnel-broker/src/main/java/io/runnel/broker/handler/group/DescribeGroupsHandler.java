package io.runnel.broker.handler.group;

import io.runnel.broker.handler.AuthorizedOperations;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.AdminApi.ClassicGroupDescription;
import io.runnel.group.api.AdminApi.ClassicMemberDescription;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeGroupsRequest;
import io.runnel.protocol.message.DescribeGroupsResponse;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeGroups (classic groups): state, protocol and members (with metadata and assignment when Stable).
 * An unknown group, or a consumer-protocol group, is "Dead" up to v5 and GROUP_ID_NOT_FOUND from v6.
 */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> {
    private final GroupCoordinator coordinator;

    public DescribeGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public CompletableFuture<DescribeGroupsResponse> handle(RequestContext ctx, DescribeGroupsRequest request) {
        short version = ctx.apiVersion();
        boolean ops = version >= 3 && request.includeAuthorizedOperations;
        return coordinator.describeGroups(request.groups, version >= 6).thenApply(list -> {
            DescribeGroupsResponse resp = new DescribeGroupsResponse();
            for (ClassicGroupDescription d : list) {
                DescribeGroupsResponse.Group g = new DescribeGroupsResponse.Group();
                g.errorCode = d.error().code();
                g.errorMessage = d.errorMessage();
                g.groupId = GroupHandlerSupport.nullToEmpty(d.groupId());
                g.groupState = d.state();
                g.protocolType = d.protocolType();
                g.protocolData = d.protocol();
                for (ClassicMemberDescription m : d.members()) {
                    DescribeGroupsResponse.Member w = new DescribeGroupsResponse.Member();
                    w.memberId = m.memberId();
                    w.groupInstanceId = m.groupInstanceId();
                    w.clientId = m.clientId();
                    w.clientHost = m.clientHost();
                    w.memberMetadata = m.metadata();
                    w.memberAssignment = m.assignment();
                    g.members.add(w);
                }
                g.authorizedOperations = ops ? ctx.authorizedOperations(io.runnel.metadata.AclBinding.RESOURCE_GROUP, g.groupId, AuthorizedOperations.ALL_GROUP)
                        : AuthorizedOperations.NOT_REQUESTED;
                if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, g.groupId)) { // Kafka: DESCRIBE on each group
                    DescribeGroupsResponse.Group denied = new DescribeGroupsResponse.Group();
                    denied.groupId = g.groupId;
                    denied.errorCode = io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED.code();
                    denied.errorMessage = null;
                    denied.groupState = "";
                    denied.protocolType = "";
                    denied.protocolData = "";
                    denied.authorizedOperations = AuthorizedOperations.NOT_REQUESTED;
                    g = denied;
                }
                resp.groups.add(g);
            }
            return resp;
        });
    }
}
