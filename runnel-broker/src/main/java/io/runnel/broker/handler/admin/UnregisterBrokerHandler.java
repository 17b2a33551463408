package io.runnel.broker.handler.admin;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.metadata.ApiError;
import io.runnel.metadata.MetadataController;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.UnregisterBrokerRequest;
import io.runnel.protocol.message.UnregisterBrokerResponse;

import java.util.concurrent.CompletableFuture;

/**
 * UnregisterBroker (v0; Admin.unregisterBroker, {@code kafka-cluster.sh unregister}): removes a broker's
 * registration through the active controller ({@link MetadataController#unregisterBroker}), forwarded
 * there from any broker. BROKER_ID_NOT_REGISTERED for an unknown id.
 */
public final class UnregisterBrokerHandler implements ApiHandler<UnregisterBrokerRequest, UnregisterBrokerResponse> {
    private final MetadataController controller;

    public UnregisterBrokerHandler(MetadataController controller) {
        this.controller = controller;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.UNREGISTER_BROKER;
    }

    @Override
    public CompletableFuture<UnregisterBrokerResponse> handle(RequestContext ctx, UnregisterBrokerRequest req) {
        return AdminSupport.ifCluster(ctx, io.runnel.metadata.AclBinding.OP_ALTER, () -> controller.unregisterBroker(req.brokerId)).handle((v, err) -> {
            ApiError e = err == null ? ApiError.NONE : AdminSupport.errorOf(err);
            UnregisterBrokerResponse resp = new UnregisterBrokerResponse();
            resp.errorCode = e.error().code();
            resp.errorMessage = AdminSupport.message(e);
            return resp;
        });
    }
}
