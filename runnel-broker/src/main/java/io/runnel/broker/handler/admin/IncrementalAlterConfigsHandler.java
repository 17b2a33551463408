package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.metadata.AlterConfigOp;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.ConfigResource;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.IncrementalAlterConfigsRequest;
import io.runnel.protocol.message.IncrementalAlterConfigsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * IncrementalAlterConfigs (v0-1): SET, DELETE, APPEND and SUBTRACT (the last two on list configs) per
 * key, on topics, brokers ("" = the cluster-wide default, or this node's id) and groups (KIP-848 group
 * configs; a non-empty group id). Like a Kafka broker,
 * refuses before the controller: a resource named twice ("Each resource must appear at most once."), a
 * key given twice, a null value for anything but DELETE, an unknown operation, another broker's id,
 * other resource types (broker loggers included). The controller validates keys and values
 * (INVALID_CONFIG naming the key). validateOnly writes nothing. One response per request resource, in
 * request order.
 */
public final class IncrementalAlterConfigsHandler
        implements ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> {
    private final MetadataController controller;
    private final BrokerContext broker;

    public IncrementalAlterConfigsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponse> handle(RequestContext ctx, IncrementalAlterConfigsRequest req) {
        int n = req.resources.size();
        ApiError[] errors = new ApiError[n];
        ConfigResource[] resources = new ConfigResource[n];
        Map<ConfigResource, List<AlterConfigOp>> forward = new LinkedHashMap<>();
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < n; i++) {
            IncrementalAlterConfigsRequest.Resource r = req.resources.get(i);
            Integer prev = first.putIfAbsent(r.resourceType + "/" + r.resourceName, i);
            if (prev != null) {
                ApiError e = ApiError.of(Errors.INVALID_REQUEST, "Each resource must appear at most once.");
                errors[prev] = e;
                errors[i] = e;
            }
        }
        for (int i = 0; i < n; i++) {
            if (errors[i] != null) continue;
            IncrementalAlterConfigsRequest.Resource r = req.resources.get(i);
            errors[i] = AdminSupport.configAuthorization(ctx, r.resourceType, r.resourceName, io.runnel.metadata.AclBinding.OP_ALTER_CONFIGS);
            if (errors[i] != null) continue;
            try {
                List<AlterConfigOp> ops = opsOf(r);
                resources[i] = AdminSupport.alterableResource(r.resourceType, r.resourceName, broker.nodeId());
                forward.put(resources[i], ops);
            } catch (ApiException e) {
                errors[i] = new ApiError(e.error(), e.getMessage());
            }
        }
        if (forward.isEmpty()) return CompletableFuture.completedFuture(build(req, errors, resources, Map.of(), null));
        return controller.incrementalAlterConfigs(forward, req.validateOnly).handle((results, err) ->
                build(req, errors, resources, results, err == null ? null : AdminSupport.errorOf(err)));
    }

    private static List<AlterConfigOp> opsOf(IncrementalAlterConfigsRequest.Resource r) {
        Set<String> seen = new HashSet<>();
        for (IncrementalAlterConfigsRequest.Config c : r.configs) {
            if (!seen.add(c.name)) throw new ApiException(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
        }
        List<String> nulls = new ArrayList<>();
        for (IncrementalAlterConfigsRequest.Config c : r.configs) {
            if (c.configOperation != AlterConfigOp.OpType.DELETE.id() && c.value == null) nulls.add(c.name);
        }
        if (!nulls.isEmpty()) {
            throw new ApiException(Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", nulls));
        }
        List<AlterConfigOp> ops = new ArrayList<>();
        for (IncrementalAlterConfigsRequest.Config c : r.configs) {
            AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation);
            if (op == null) throw new ApiException(Errors.INVALID_REQUEST, "Unknown operations type " + c.configOperation);
            ops.add(new AlterConfigOp(c.name, op, op == AlterConfigOp.OpType.DELETE ? null : c.value));
        }
        return ops;
    }

    private static IncrementalAlterConfigsResponse build(IncrementalAlterConfigsRequest req, ApiError[] errors,
                                                         ConfigResource[] resources, Map<ConfigResource, ApiError> results,
                                                         ApiError failure) {
        IncrementalAlterConfigsResponse resp = new IncrementalAlterConfigsResponse();
        for (int i = 0; i < errors.length; i++) {
            IncrementalAlterConfigsRequest.Resource r = req.resources.get(i);
            ApiError e = errors[i];
            if (e == null) {
                e = failure != null ? failure : results.get(resources[i]);
                if (e == null) e = ApiError.of(Errors.UNKNOWN_SERVER_ERROR, "The controller returned no result for this resource.");
            }
            IncrementalAlterConfigsResponse.ResourceResponse rr = new IncrementalAlterConfigsResponse.ResourceResponse();
            rr.errorCode = e.error().code();
            rr.errorMessage = AdminSupport.message(e);
            rr.resourceType = r.resourceType;
            rr.resourceName = r.resourceName;
            resp.responses.add(rr);
        }
        return resp;
    }
}
