package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.AdminApi.ListedGroup;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ListGroupsRequest;
import io.runnel.protocol.message.ListGroupsResponse;

import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ListGroups: the groups of every __consumer_offsets partition this broker coordinates, optionally filtered
 * by state (v4+, case-insensitive) and type (v5+: classic, consumer). COORDINATOR_LOAD_IN_PROGRESS while a
 * partition still loads (with the groups of the loaded ones).
 */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequest, ListGroupsResponse> {
    private final GroupCoordinator coordinator;

    public ListGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public CompletableFuture<ListGroupsResponse> handle(RequestContext ctx, ListGroupsRequest request) {
        short version = ctx.apiVersion();
        var states = version >= 4 ? new HashSet<>(request.statesFilter) : new HashSet<String>();
        var types = version >= 5 ? new HashSet<>(request.typesFilter) : new HashSet<String>();
        return coordinator.listGroups(states, types)
                .exceptionally(t -> new GroupCoordinator.ListGroupsResult(GroupHandlerSupport.errorOf(t), List.of()))
                .thenApply(r -> {
                    ListGroupsResponse resp = new ListGroupsResponse();
                    resp.errorCode = r.error() == null ? Errors.NONE.code() : r.error().code();
                    // Kafka: DESCRIBE on the cluster lists every group, else only those the principal may describe
                    boolean all = ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_CLUSTER, io.runnel.metadata.AclBinding.CLUSTER_NAME);
                    for (ListedGroup g : r.groups()) {
                        if (!all && !ctx.authorizeQuietly(io.runnel.metadata.AclBinding.OP_DESCRIBE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, g.groupId())) continue;
                        ListGroupsResponse.Group w = new ListGroupsResponse.Group();
                        w.groupId = g.groupId();
                        w.protocolType = g.protocolType();
                        w.groupState = g.state();
                        w.groupType = g.type();
                        resp.groups.add(w);
                    }
                    return resp;
                });
    }
}
