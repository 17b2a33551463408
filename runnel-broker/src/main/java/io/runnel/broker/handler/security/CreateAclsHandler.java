package io.runnel.broker.handler.security;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.handler.admin.AdminSupport;
import io.runnel.common.Errors;
import io.runnel.metadata.AclBinding;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.CreateAclsRequest;
import io.runnel.protocol.message.CreateAclsResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CreateAcls (v1-3): needs ALTER on the cluster (else every result CLUSTER_AUTHORIZATION_FAILED); without an
 * authorizer SECURITY_DISABLED, as Kafka. The controller checks each ACL ({@link AclBinding#invalidReason}:
 * INVALID_REQUEST) and records the rest (forwarded to the active controller in a cluster). One result per creation.
 */
public final class CreateAclsHandler implements ApiHandler<CreateAclsRequest, CreateAclsResponse> {
    private final MetadataController controller;

    public CreateAclsHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.CREATE_ACLS;
    }

    @Override
    public CompletableFuture<CreateAclsResponse> handle(RequestContext ctx, CreateAclsRequest req) {
        List<AclBinding> acls = new ArrayList<>();
        for (CreateAclsRequest.Creation c : req.creations) {
            acls.add(new AclBinding(c.resourceType, c.resourceName, c.resourcePatternType, c.principal, c.host, c.operation, c.permissionType));
        }
        ApiError refused = null;
        if (!ctx.authorizationEnabled()) refused = ApiError.of(Errors.SECURITY_DISABLED, "No Authorizer is configured.");
        else if (!ctx.authorizeCluster(AclBinding.OP_ALTER)) refused = ApiError.of(Errors.CLUSTER_AUTHORIZATION_FAILED, null);
        if (refused != null || acls.isEmpty()) {
            return CompletableFuture.completedFuture(response(Collections.nCopies(acls.size(), refused)));
        }
        return controller.createAcls(acls).handle((results, err) ->
                response(err == null ? results : Collections.nCopies(acls.size(), AdminSupport.errorOf(err))));
    }

    private static CreateAclsResponse response(List<ApiError> errors) {
        CreateAclsResponse resp = new CreateAclsResponse();
        for (ApiError e : errors) {
            CreateAclsResponse.Result r = new CreateAclsResponse.Result();
            r.errorCode = e.error().code();
            r.errorMessage = e.isSuccess() ? null : e.message();
            resp.results.add(r);
        }
        return resp;
    }
}
