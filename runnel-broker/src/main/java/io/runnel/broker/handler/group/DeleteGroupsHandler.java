package io.runnel.broker.handler.group;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.api.AdminApi.DeleteGroupResult;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DeleteGroupsRequest;
import io.runnel.protocol.message.DeleteGroupsResponse;

import java.util.concurrent.CompletableFuture;

/**
 * DeleteGroups: deletes empty groups and their offsets (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND otherwise).
 * From v3 a failed group also carries the error's message.
 */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> {
    private final GroupCoordinator coordinator;

    public DeleteGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public CompletableFuture<DeleteGroupsResponse> handle(RequestContext ctx, DeleteGroupsRequest request) {
        java.util.List<String> allowed = new java.util.ArrayList<>();
        java.util.List<String> denied = new java.util.ArrayList<>();
        for (String g : request.groupsNames) (ctx.authorize(io.runnel.metadata.AclBinding.OP_DELETE, io.runnel.metadata.AclBinding.RESOURCE_GROUP, g) ? allowed : denied).add(g);
        CompletableFuture<java.util.List<DeleteGroupResult>> deleted = allowed.isEmpty()
                ? CompletableFuture.completedFuture(java.util.List.of()) : coordinator.deleteGroups(allowed);
        return deleted.thenApply(results -> {
            DeleteGroupsResponse resp = new DeleteGroupsResponse();
            for (String g : denied) { // Kafka: DELETE on the group, else GROUP_AUTHORIZATION_FAILED
                DeleteGroupsResponse.Result w = new DeleteGroupsResponse.Result();
                w.groupId = g;
                w.errorCode = Errors.GROUP_AUTHORIZATION_FAILED.code();
                w.errorMessage = null;
                resp.results.add(w);
            }
            for (DeleteGroupResult r : results) {
                DeleteGroupsResponse.Result w = new DeleteGroupsResponse.Result();
                w.groupId = GroupHandlerSupport.nullToEmpty(r.groupId());
                w.errorCode = r.error().code();
                w.errorMessage = r.error() == Errors.NONE ? null : r.error().message();
                resp.results.add(w);
            }
            return resp;
        });
    }
}
