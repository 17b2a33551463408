package io.runnel.broker.handler;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** The handlers of every API this broker serves; ApiVersions advertises exactly these. */
public final class HandlerRegistry {
    private final Map<ApiKeys, ApiHandler<?, ?>> handlers = new EnumMap<>(ApiKeys.class);
    private io.runnel.broker.security.Authorization authorization = io.runnel.broker.security.Authorization.DISABLED;

    /** The authorizer every request of these handlers is checked with (default: none). */
    public HandlerRegistry authorization(io.runnel.broker.security.Authorization a) {
        this.authorization = a;
        return this;
    }

    public io.runnel.broker.security.Authorization authorization() {
        return authorization;
    }

    private io.runnel.broker.quota.ClientQuotaManager quotas;

    /** The client quotas whose request_percentage the network layer measures (default: none). */
    public HandlerRegistry quotas(io.runnel.broker.quota.ClientQuotaManager q) {
        this.quotas = q;
        return this;
    }

    public io.runnel.broker.quota.ClientQuotaManager quotas() {
        return quotas;
    }

    public HandlerRegistry register(ApiHandler<?, ?> handler) {
        if (handlers.put(handler.api(), handler) != null) {
            throw new IllegalStateException("two handlers for " + handler.api());
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    public ApiHandler<ApiMessage, ApiMessage> get(ApiKeys api) {
        return (ApiHandler<ApiMessage, ApiMessage>) handlers.get(api);
    }

    public Collection<ApiKeys> apis() {
        return Collections.unmodifiableSet(handlers.keySet());
    }
}
