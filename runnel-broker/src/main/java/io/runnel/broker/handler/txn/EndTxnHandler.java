package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.EndTxnRequest;
import io.runnel.protocol.message.EndTxnResponse;
import io.runnel.txn.TxnErrors;

import java.util.concurrent.CompletableFuture;

/**
 * EndTxn: commits or aborts the producer's transaction. v5+ is transaction version 2 (KIP-890 part 2): the epoch is
 * bumped by every EndTxn and the response carries the producer id and epoch to use next.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequest, EndTxnResponse> {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.END_TXN;
    }

    @Override
    public CompletableFuture<EndTxnResponse> handle(RequestContext ctx, EndTxnRequest req) {
        short version = ctx.apiVersion();
        short tv = version >= 5 ? (short) 2 : (short) 1;
        if (!ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, req.transactionalId)) {
            EndTxnResponse denied = new EndTxnResponse();
            denied.errorCode = io.runnel.common.Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code();
            denied.producerId = -1;
            denied.producerEpoch = -1;
            return CompletableFuture.completedFuture(denied);
        }
        return coordinator.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, tv).thenApply(r -> {
            EndTxnResponse resp = new EndTxnResponse();
            resp.errorCode = TxnErrors.forVersion(TxnErrors.END_TXN, version, r.error()).code();
            resp.producerId = r.producerId();
            resp.producerEpoch = r.producerEpoch();
            return resp;
        });
    }
}
