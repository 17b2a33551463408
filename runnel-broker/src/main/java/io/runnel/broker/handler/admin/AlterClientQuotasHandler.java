package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.ClientQuotaAlteration;
import io.runnel.metadata.ClientQuotaEntity;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AlterClientQuotasRequest;
import io.runnel.protocol.message.AlterClientQuotasResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * AlterClientQuotas (v0-1): sets and removes client quotas of user / client-id / user+client-id / ip entities (a
 * null name is the default entity). The controller checks and records them ({@link MetadataController#alterClientQuotas},
 * forwarded to the active controller in a cluster); one result per entry, echoing its entity.
 */
public final class AlterClientQuotasHandler implements ApiHandler<AlterClientQuotasRequest, AlterClientQuotasResponse> {
    private final MetadataController controller;

    public AlterClientQuotasHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ALTER_CLIENT_QUOTAS;
    }

    @Override
    public CompletableFuture<AlterClientQuotasResponse> handle(RequestContext ctx, AlterClientQuotasRequest req) {
        List<ClientQuotaAlteration> alterations = new ArrayList<>();
        List<ApiError> local = new ArrayList<>(); // a malformed entry (an entity type twice) is refused here
        // Kafka: ALTER_CONFIGS on the cluster, else every entry CLUSTER_AUTHORIZATION_FAILED
        boolean allowed = ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_ALTER_CONFIGS);
        for (AlterClientQuotasRequest.EntryData entry : req.entries) {
            Map<String, String> entries = new TreeMap<>();
            ApiError e = null;
            for (AlterClientQuotasRequest.EntityData d : entry.entity) {
                if (entries.containsKey(d.entityType)) {
                    e = ApiError.of(io.runnel.common.Errors.INVALID_REQUEST, "Duplicate " + d.entityType + " entity type in one quota entity");
                }
                entries.put(d.entityType, d.entityName);
            }
            List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
            for (AlterClientQuotasRequest.OpData op : entry.ops) ops.add(new ClientQuotaAlteration.Op(op.key, op.remove ? null : op.value));
            if (e == null && !allowed) e = ApiError.of(io.runnel.common.Errors.CLUSTER_AUTHORIZATION_FAILED, null);
            local.add(e);
            if (e == null) alterations.add(new ClientQuotaAlteration(new ClientQuotaEntity(entries), ops));
        }
        CompletableFuture<List<ApiError>> results = alterations.isEmpty()
                ? CompletableFuture.completedFuture(List.of())
                : controller.alterClientQuotas(alterations, req.validateOnly);
        return results.handle((list, err) -> {
            List<ApiError> fromController = list;
            if (err != null) fromController = Collections.nCopies(alterations.size(), AdminSupport.errorOf(err));
            AlterClientQuotasResponse resp = new AlterClientQuotasResponse();
            int next = 0;
            for (int i = 0; i < req.entries.size(); i++) {
                ApiError e = local.get(i) != null ? local.get(i) : fromController.get(next++);
                AlterClientQuotasResponse.EntryData out = new AlterClientQuotasResponse.EntryData();
                out.errorCode = e.error().code();
                out.errorMessage = e.isSuccess() ? null : e.message();
                for (AlterClientQuotasRequest.EntityData d : req.entries.get(i).entity) {
                    AlterClientQuotasResponse.EntityData ed = new AlterClientQuotasResponse.EntityData();
                    ed.entityType = d.entityType;
                    ed.entityName = d.entityName;
                    out.entity.add(ed);
                }
                resp.entries.add(out);
            }
            return resp;
        });
    }
}
