package io.runnel.broker.handler.security;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.metadata.AclBinding;
import io.runnel.metadata.AclFilter;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeAclsRequest;
import io.runnel.protocol.message.DescribeAclsResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeAcls (v1-3), from this broker's metadata image: the ACLs the filter matches ({@link AclFilter}: ANY,
 * MATCH), grouped by resource pattern. Needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED); without an
 * authorizer SECURITY_DISABLED; a filter with an unknown code INVALID_REQUEST.
 */
public final class DescribeAclsHandler implements ApiHandler<DescribeAclsRequest, DescribeAclsResponse> {
    private final BrokerContext broker;

    public DescribeAclsHandler(BrokerContext broker) {
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_ACLS;
    }

    @Override
    public CompletableFuture<DescribeAclsResponse> handle(RequestContext ctx, DescribeAclsRequest req) {
        DescribeAclsResponse resp = new DescribeAclsResponse();
        resp.errorMessage = null;
        AclFilter filter = new AclFilter(req.resourceTypeFilter, req.resourceNameFilter, req.patternTypeFilter,
                req.principalFilter, req.hostFilter, req.operation, req.permissionType);
        String invalid = filter.invalidReason();
        if (!ctx.authorizationEnabled()) {
            resp.errorCode = Errors.SECURITY_DISABLED.code();
            resp.errorMessage = "No Authorizer is configured.";
        } else if (!ctx.authorizeCluster(AclBinding.OP_DESCRIBE)) {
            resp.errorCode = Errors.CLUSTER_AUTHORIZATION_FAILED.code();
        } else if (invalid != null) {
            resp.errorCode = Errors.INVALID_REQUEST.code();
            resp.errorMessage = invalid;
        } else {
            Map<List<Object>, DescribeAclsResponse.Resource> byPattern = new LinkedHashMap<>();
            for (AclBinding a : broker.image().acls().values()) {
                if (!filter.matches(a)) continue;
                DescribeAclsResponse.Resource r = byPattern.computeIfAbsent(List.of(a.resourceType(), a.resourceName(), a.patternType()), k -> {
                    DescribeAclsResponse.Resource n = new DescribeAclsResponse.Resource();
                    n.resourceType = a.resourceType();
                    n.resourceName = a.resourceName();
                    n.patternType = a.patternType();
                    n.acls = new ArrayList<>();
                    return n;
                });
                DescribeAclsResponse.Acl acl = new DescribeAclsResponse.Acl();
                acl.principal = a.principal();
                acl.host = a.host();
                acl.operation = a.operation();
                acl.permissionType = a.permissionType();
                r.acls.add(acl);
            }
            resp.resources.addAll(byPattern.values());
        }
        return CompletableFuture.completedFuture(resp);
    }
}
