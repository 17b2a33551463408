package io.runnel.broker.handler;

import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/**
 * Serves one Kafka API: decode is done by the caller, the handler validates, delegates to the
 * subsystem that owns the state, and builds the response. Handlers run on the connection's network
 * thread and must not block: anything slow (metadata changes, delayed fetches) completes the future
 * later. A future completed with {@code null} sends no response (Produce with acks=0).
 */
public interface ApiHandler<Req extends ApiMessage, Resp extends ApiMessage> {
    ApiKeys api();

    CompletableFuture<Resp> handle(RequestContext ctx, Req request);
}
