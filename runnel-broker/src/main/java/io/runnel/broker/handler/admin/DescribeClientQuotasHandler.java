package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.metadata.ClientQuotaEntity;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeClientQuotasRequest;
import io.runnel.protocol.message.DescribeClientQuotasResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas (v0-1), from this broker's metadata image. Each filter component names an entity type and
 * matches its name exactly (match type 0), the default entity (1, match null) or any name, default included (2);
 * every component must match. {@code strict}: the entity has no other types. A type named twice, an unknown type,
 * ip with user/client-id, or a match type/match that do not fit are INVALID_REQUEST for the whole request.
 */
public final class DescribeClientQuotasHandler implements ApiHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse> {
    static final byte MATCH_EXACT = 0, MATCH_DEFAULT = 1, MATCH_ANY = 2;

    private final BrokerContext broker;

    public DescribeClientQuotasHandler(BrokerContext broker) {
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
    }

    @Override
    public CompletableFuture<DescribeClientQuotasResponse> handle(RequestContext ctx, DescribeClientQuotasRequest req) {
        DescribeClientQuotasResponse resp = new DescribeClientQuotasResponse();
        resp.errorMessage = null;
        if (!ctx.authorizeCluster(io.runnel.metadata.AclBinding.OP_DESCRIBE_CONFIGS)) { // Kafka: DESCRIBE_CONFIGS on the cluster
            resp.errorCode = Errors.CLUSTER_AUTHORIZATION_FAILED.code();
            resp.entries = null;
            return CompletableFuture.completedFuture(resp);
        }
        String invalid = checkFilter(req);
        if (invalid != null) {
            resp.errorCode = Errors.INVALID_REQUEST.code();
            resp.errorMessage = invalid;
            resp.entries = null;
            return CompletableFuture.completedFuture(resp);
        }
        List<Map.Entry<ClientQuotaEntity, SortedMap<String, Double>>> matched = new ArrayList<>();
        for (Map.Entry<ClientQuotaEntity, SortedMap<String, Double>> e : broker.image().clientQuotas().entrySet()) {
            if (matches(e.getKey(), req)) matched.add(e);
        }
        matched.sort(Comparator.comparing(e -> e.getKey().toString())); // a stable order
        resp.entries = new ArrayList<>();
        for (Map.Entry<ClientQuotaEntity, SortedMap<String, Double>> e : matched) {
            DescribeClientQuotasResponse.EntryData entry = new DescribeClientQuotasResponse.EntryData();
            e.getKey().entries().forEach((type, name) -> {
                DescribeClientQuotasResponse.EntityData d = new DescribeClientQuotasResponse.EntityData();
                d.entityType = type;
                d.entityName = name;
                entry.entity.add(d);
            });
            e.getValue().forEach((key, value) -> {
                DescribeClientQuotasResponse.ValueData v = new DescribeClientQuotasResponse.ValueData();
                v.key = key;
                v.value = value;
                entry.values.add(v);
            });
            resp.entries.add(entry);
        }
        return CompletableFuture.completedFuture(resp);
    }

    /** Why the filter is refused, or null. */
    static String checkFilter(DescribeClientQuotasRequest req) {
        Set<String> types = new HashSet<>();
        for (DescribeClientQuotasRequest.ComponentData c : req.components) {
            if (!c.entityType.equals(ClientQuotaEntity.USER) && !c.entityType.equals(ClientQuotaEntity.CLIENT_ID)
                    && !c.entityType.equals(ClientQuotaEntity.IP)) {
                return "Custom entity type " + c.entityType + " not supported";
            }
            if (!types.add(c.entityType)) return "Duplicate " + c.entityType + " entity type in the filter";
            switch (c.matchType) {
                case MATCH_EXACT -> {
                    if (c.match == null) return "Exact match of " + c.entityType + " needs a name";
                }
                case MATCH_DEFAULT, MATCH_ANY -> {
                    if (c.match != null) return "Match type " + c.matchType + " of " + c.entityType + " takes no name";
                }
                default -> {
                    return "Unknown match type " + c.matchType;
                }
            }
        }
        if (types.contains(ClientQuotaEntity.IP) && types.size() > 1) {
            return "Invalid entity filter component combination, IP filter component should not be used with user or clientId filter component.";
        }
        return null;
    }

    static boolean matches(ClientQuotaEntity entity, DescribeClientQuotasRequest req) {
        Map<String, String> names = new HashMap<>(entity.entries());
        if (req.strict && names.size() != req.components.size()) return false;
        for (DescribeClientQuotasRequest.ComponentData c : req.components) {
            if (!names.containsKey(c.entityType)) return false;
            String name = names.get(c.entityType);
            boolean ok = switch (c.matchType) {
                case MATCH_EXACT -> Objects.equals(name, c.match);
                case MATCH_DEFAULT -> name == null;
                default -> true;
            };
            if (!ok) return false;
        }
        return true;
    }
}
