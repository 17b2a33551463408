package io.runnel.broker.handler.txn;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.txn.TransactionCoordinator;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.AddOffsetsToTxnRequest;
import io.runnel.protocol.message.AddOffsetsToTxnResponse;
import io.runnel.txn.TxnErrors;

import java.util.concurrent.CompletableFuture;

/**
 * AddOffsetsToTxn: adds the group's partition of {@code __consumer_offsets} to the producer's transaction, so that
 * the TxnOffsetCommit that follows is committed or discarded with it.
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> {
    private final TransactionCoordinator coordinator;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public CompletableFuture<AddOffsetsToTxnResponse> handle(RequestContext ctx, AddOffsetsToTxnRequest req) {
        // Kafka: WRITE on the transactional id, READ on the group
        io.runnel.common.Errors denied = !ctx.authorize(io.runnel.metadata.AclBinding.OP_WRITE, io.runnel.metadata.AclBinding.RESOURCE_TRANSACTIONAL_ID, req.transactionalId)
                ? io.runnel.common.Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : !ctx.authorize(io.runnel.metadata.AclBinding.OP_READ, io.runnel.metadata.AclBinding.RESOURCE_GROUP, req.groupId) ? io.runnel.common.Errors.GROUP_AUTHORIZATION_FAILED : null;
        if (denied != null) {
            AddOffsetsToTxnResponse resp = new AddOffsetsToTxnResponse();
            resp.errorCode = denied.code();
            return CompletableFuture.completedFuture(resp);
        }
        return coordinator.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId, (short) 1).thenApply(e -> {
            AddOffsetsToTxnResponse resp = new AddOffsetsToTxnResponse();
            resp.errorCode = TxnErrors.forVersion(TxnErrors.ADD_OFFSETS_TO_TXN, ctx.apiVersion(), e).code();
            return resp;
        });
    }
}
