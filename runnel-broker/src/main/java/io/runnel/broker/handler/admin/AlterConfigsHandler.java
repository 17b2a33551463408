package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.ConfigResource;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterConfigsRequest;
import io.runnel.protocol.message.AlterConfigsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AlterConfigs (v0-2), the legacy API: the given configs replace every dynamic config of the resource
 * (keys left out are removed). Topics, brokers ("" = the cluster-wide default, or this node's id) and
 * groups (KIP-848 group configs; a non-empty group id).
 * Like a Kafka broker, refuses before the controller: a resource named twice ("Each resource must
 * appear at most once."), a key given twice, null values, another broker's id, other resource types.
 * The controller validates keys and values (INVALID_CONFIG naming the key). validateOnly writes nothing.
 * One response per request resource, in request order.
 */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequest, AlterConfigsResponse> {
    private final MetadataController controller;
    private final BrokerContext broker;

    public AlterConfigsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<AlterConfigsResponse> handle(RequestContext ctx, AlterConfigsRequest req) {
        int n = req.resources.size();
        ApiError[] errors = new ApiError[n];
        ConfigResource[] resources = new ConfigResource[n];
        Map<ConfigResource, Map<String, String>> forward = new LinkedHashMap<>();
        markDuplicateResources(req.resources, errors);
        for (int i = 0; i < n; i++) {
            if (errors[i] != null) continue;
            AlterConfigsRequest.Resource r = req.resources.get(i);
            errors[i] = AdminSupport.configAuthorization(ctx, r.resourceType, r.resourceName, io.runnel.metadata.AclBinding.OP_ALTER_CONFIGS);
            if (errors[i] != null) continue;
            try {
                resources[i] = AdminSupport.alterableResource(r.resourceType, r.resourceName, broker.nodeId());
                forward.put(resources[i], configsOf(r));
            } catch (ApiException e) {
                errors[i] = new ApiError(e.error(), e.getMessage());
            }
        }
        if (forward.isEmpty()) return CompletableFuture.completedFuture(build(req, errors, resources, Map.of(), null));
        return controller.alterConfigs(forward, req.validateOnly).handle((results, err) ->
                build(req, errors, resources, results, err == null ? null : AdminSupport.errorOf(err)));
    }

    /** Both occurrences of a (type, name) pair named twice get INVALID_REQUEST. */
    private static void markDuplicateResources(List<AlterConfigsRequest.Resource> rs, ApiError[] errors) {
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < rs.size(); i++) {
            String key = rs.get(i).resourceType + "/" + rs.get(i).resourceName;
            Integer prev = first.putIfAbsent(key, i);
            if (prev != null) {
                ApiError e = ApiError.of(Errors.INVALID_REQUEST, "Each resource must appear at most once.");
                errors[prev] = e;
                errors[i] = e;
            }
        }
    }

    private static Map<String, String> configsOf(AlterConfigsRequest.Resource r) {
        Set<String> seen = new HashSet<>();
        List<String> nulls = new ArrayList<>();
        Map<String, String> out = new LinkedHashMap<>();
        for (AlterConfigsRequest.Config c : r.configs) {
            if (!seen.add(c.name)) throw new ApiException(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
            if (c.value == null) nulls.add(c.name);
            else out.put(c.name, c.value);
        }
        if (!nulls.isEmpty()) {
            throw new ApiException(Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", nulls));
        }
        return out;
    }

    private static AlterConfigsResponse build(AlterConfigsRequest req, ApiError[] errors, ConfigResource[] resources,
                                              Map<ConfigResource, ApiError> results, ApiError failure) {
        AlterConfigsResponse resp = new AlterConfigsResponse();
        for (int i = 0; i < errors.length; i++) {
            AlterConfigsRequest.Resource r = req.resources.get(i);
            ApiError e = errors[i];
            if (e == null) {
                e = failure != null ? failure : results.get(resources[i]);
                if (e == null) e = ApiError.of(Errors.UNKNOWN_SERVER_ERROR, "The controller returned no result for this resource.");
            }
            AlterConfigsResponse.ResourceResponse rr = new AlterConfigsResponse.ResourceResponse();
            rr.errorCode = e.error().code();
            rr.errorMessage = AdminSupport.message(e);
            rr.resourceType = r.resourceType;
            rr.resourceName = r.resourceName;
            resp.responses.add(rr);
        }
        return resp;
    }
}
