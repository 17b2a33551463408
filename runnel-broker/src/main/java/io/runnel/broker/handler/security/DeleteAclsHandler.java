package io.runnel.broker.handler.security;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.handler.admin.AdminSupport;
import io.runnel.common.Errors;
import io.runnel.metadata.AclBinding;
import io.runnel.metadata.AclDeletion;
import io.runnel.metadata.AclFilter;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DeleteAclsRequest;
import io.runnel.protocol.message.DeleteAclsResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteAcls (v1-3): needs ALTER on the cluster (else every filter CLUSTER_AUTHORIZATION_FAILED); without an
 * authorizer SECURITY_DISABLED. The controller removes what each filter matches (forwarded to the active controller
 * in a cluster); one result per filter listing the ACLs it deleted.
 */
public final class DeleteAclsHandler implements ApiHandler<DeleteAclsRequest, DeleteAclsResponse> {
    private final MetadataController controller;

    public DeleteAclsHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DELETE_ACLS;
    }

    @Override
    public CompletableFuture<DeleteAclsResponse> handle(RequestContext ctx, DeleteAclsRequest req) {
        List<AclFilter> filters = new ArrayList<>();
        for (DeleteAclsRequest.Filter f : req.filters) {
            filters.add(new AclFilter(f.resourceTypeFilter, f.resourceNameFilter, f.patternTypeFilter, f.principalFilter,
                    f.hostFilter, f.operation, f.permissionType));
        }
        ApiError refused = null;
        if (!ctx.authorizationEnabled()) refused = ApiError.of(Errors.SECURITY_DISABLED, "No Authorizer is configured.");
        else if (!ctx.authorizeCluster(AclBinding.OP_ALTER)) refused = ApiError.of(Errors.CLUSTER_AUTHORIZATION_FAILED, null);
        if (refused != null || filters.isEmpty()) {
            AclDeletion d = new AclDeletion(refused == null ? ApiError.NONE : refused, List.of());
            return CompletableFuture.completedFuture(response(Collections.nCopies(filters.size(), d)));
        }
        return controller.deleteAcls(filters).handle((results, err) -> response(err == null ? results
                : Collections.nCopies(filters.size(), new AclDeletion(AdminSupport.errorOf(err), List.of()))));
    }

    private static DeleteAclsResponse response(List<AclDeletion> deletions) {
        DeleteAclsResponse resp = new DeleteAclsResponse();
        for (AclDeletion d : deletions) {
            DeleteAclsResponse.FilterResult r = new DeleteAclsResponse.FilterResult();
            r.errorCode = d.error().error().code();
            r.errorMessage = d.error().isSuccess() ? null : d.error().message();
            for (AclBinding a : d.deleted()) {
                DeleteAclsResponse.MatchingAcl m = new DeleteAclsResponse.MatchingAcl();
                m.errorCode = 0;
                m.errorMessage = null;
                m.resourceType = a.resourceType();
                m.resourceName = a.resourceName();
                m.patternType = a.patternType();
                m.principal = a.principal();
                m.host = a.host();
                m.operation = a.operation();
                m.permissionType = a.permissionType();
                r.matchingAcls.add(m);
            }
            resp.filterResults.add(r);
        }
        return resp;
    }
}
