package io.runnel.broker.handler.security;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.Errors;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.SaslAuthenticateRequest;
import io.runnel.protocol.message.SaslAuthenticateResponse;

import java.util.concurrent.CompletableFuture;

/**
 * SaslAuthenticate: one token of the connection's SASL exchange ({@link io.runnel.broker.security.SaslSession});
 * SASL_AUTHENTICATION_FAILED closes the connection after the answer. On a listener without SASL the answer is
 * ILLEGAL_SASL_STATE, as Kafka answers.
 */
public final class SaslAuthenticateHandler implements ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponse> {
    @Override
    public ApiKeys api() {
        return ApiKeys.SASL_AUTHENTICATE;
    }

    @Override
    public CompletableFuture<SaslAuthenticateResponse> handle(RequestContext ctx, SaslAuthenticateRequest request) {
        if (ctx.sasl() == null) {
            SaslAuthenticateResponse resp = new SaslAuthenticateResponse();
            resp.errorCode = Errors.ILLEGAL_SASL_STATE.code();
            resp.errorMessage = "SaslAuthenticate on listener " + ctx.listenerName() + ", which does not use SASL";
            return CompletableFuture.completedFuture(resp);
        }
        return CompletableFuture.completedFuture(ctx.sasl().authenticate(ctx.apiVersion(), request.authBytes, System.nanoTime()));
    }
}
