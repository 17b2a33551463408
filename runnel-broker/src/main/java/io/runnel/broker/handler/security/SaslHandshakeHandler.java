package io.runnel.broker.handler.security;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.SaslHandshakeRequest;
import io.runnel.protocol.message.SaslHandshakeResponse;

import java.util.concurrent.CompletableFuture;

/**
 * SaslHandshake: picks the mechanism of the connection's SASL exchange ({@link io.runnel.broker.security.SaslSession}).
 * On a listener without SASL the answer is ILLEGAL_SASL_STATE, as Kafka answers.
 */
public final class SaslHandshakeHandler implements ApiHandler<SaslHandshakeRequest, SaslHandshakeResponse> {
    @Override
    public ApiKeys api() {
        return ApiKeys.SASL_HANDSHAKE;
    }

    @Override
    public CompletableFuture<SaslHandshakeResponse> handle(RequestContext ctx, SaslHandshakeRequest request) {
        if (ctx.sasl() == null) {
            SaslHandshakeResponse resp = new SaslHandshakeResponse();
            resp.errorCode = Errors.ILLEGAL_SASL_STATE.code();
            return CompletableFuture.completedFuture(resp);
        }
        return CompletableFuture.completedFuture(ctx.sasl().handshake(ctx.apiVersion(), request.mechanism));
    }
}
